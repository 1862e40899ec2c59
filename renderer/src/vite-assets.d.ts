// Vite's `?url` imports (an asset's URL in the build), for tsc; Vite itself resolves them.
declare module '*?url' {
  const url: string;
  export default url;
}
