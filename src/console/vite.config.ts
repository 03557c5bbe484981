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
    rollupOptions: {
      output: {
        // The editor's libraries, loaded when the Edit tab first opens, in chunks under the size limit: CodeMirror's
        // view and state, the rest of it, its JSON and YAML languages, the YAML parser with the schema validator. The
        // chunks import one another one way only: a cycle between chunks fails at load ("before initialization").
        manualChunks: (id) => {
          if (/node_modules\/(@codemirror\/lang-|@lezer\/(json|yaml))/.test(id)) return 'codemirror-languages';
          if (/node_modules\/(@codemirror\/(view|state)|style-mod|w3c-keyname|crelt|@marijn)\//.test(id)) return 'codemirror-view';
          if (/node_modules\/(@codemirror|@lezer)\//.test(id)) return 'codemirror';
          if (/node_modules\/(yaml|@cfworker)\//.test(id)) return 'yaml';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: { '/graphql': { target: process.env.CAIRN_DEV_API ?? 'http://127.0.0.1:4000', ws: true } },
  },
});
