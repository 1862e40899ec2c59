// Lets plain .ts files import components when the renderer's TypeScript is checked with tsc
// (`npx tsc -p renderer/tsconfig.json`); Vite compiles the components themselves.
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}
