// Builds the dashboard into dist/web/ (`npm run build`): hashed asset names under assets/ (the
// server caches them for a year), index.html served with no-cache. JSX through esbuild's
// automatic runtime from Preact: no Babel, no framework plugin.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
