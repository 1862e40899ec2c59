import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The preload as one CommonJS file: sandboxed preloads cannot load ES modules.
export default defineConfig({
  build: {
    outDir: path.resolve(here, '../dist/preload'),
    emptyOutDir: false,
    minify: false,
    target: 'node20',
    lib: { entry: path.join(here, 'preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
