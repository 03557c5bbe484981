import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web console: Preact through esbuild's automatic JSX runtime (no Babel), built into dist/console, which the
 * server serves at `/`. `npm run dev:console` serves it with hot reload and forwards /graphql (HTTP and WebSocket)
 * to a Cairn on CAIRN_DEV_API (default http://127.0.0.1:4000).
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Everything is a file under assets/: the CSP has no 'unsafe-inline' and no data: scripts.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { '/graphql': { target: process.env.CAIRN_DEV_API ?? 'http://127.0.0.1:4000', ws: true } },
  },
});
