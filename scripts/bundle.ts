import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { type Plugin, build } from 'esbuild';

/**
 * What `npm run build` runs: the server, the CLI and the document parser's worker, each bundled with the packages it
 * uses into one directory (`dist/bin`). Node then reads a few files at start instead of resolving, reading and
 * compiling about 700 modules one by one: the server is ready in about 0.65 s instead of 1.15 s here, and every CLI
 * command starts as much faster. Type-checking is `npm run lint:code`'s job (in `npm test`); this only translates.
 */
const ENTRIES = {
  server: 'src/server/main.ts',
  cli: 'src/cli/main.ts',
  // The worker is found next to the code that starts it (document-parser.ts), so it lives in the same directory.
  'document-parser-worker': 'src/services/document-parser-worker.ts',
};

/**
 * Loaded from node_modules at run time, not bundled: piscina and pino start their own worker files by path (which a
 * bundle does not have), GraphiQL's page (9 MB) is imported only when GraphiQL is served, and etcd3 reads its gRPC
 * definitions (`proto/rpc.proto`) from its own directory, only when CAIRN_ETCD_ENDPOINTS is set.
 */
const EXTERNAL = ['piscina', 'pino', '@graphql-yoga/render-graphiql', 'etcd3'];

/**
 * isomorphic-git has a regular expression with a literal U+FFFF, which esbuild copies as it is (it escapes strings,
 * not regular expressions): written as an escape, with the same meaning, the bundle stays ASCII (see minifyWhitespace).
 */
const asciiRegExps: Plugin = {
  name: 'ascii-regexps',
  setup(build) {
    build.onLoad({ filter: /[\\/]isomorphic-git[\\/].*\.c?js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('\uffff', '\\uffff'),
      loader: 'js',
    }));
  },
};

/** Bundled CommonJS packages call `require` for Node's own modules; an ES module has none until it makes one. */
const REQUIRE_SHIM = "import { createRequire as __cairnCreateRequire } from 'node:module'; const require = __cairnCreateRequire(import.meta.url);";

export async function bundle(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Code the entries share (most of it) is one chunk in the same directory, so `import.meta.url` means the same
    // directory wherever the code ended up.
    splitting: true,
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    // V8 keeps every script's source in memory, and one non-ASCII character (dependencies' comments have a few)
    // makes it a two-byte string: the server's 4.8 MB of source held 9.5 MB of heap. Without comments and
    // indentation it is ASCII and 3 MB; stack traces still name the sources through the source map.
    minifyWhitespace: true,
    plugins: [asciiRegExps],
    sourcemap: true,
    logLevel: 'warning',
  });
}

/**
 * The client library as `cairn/client` resolves (package.json `exports`): `node.js` for Node (the `ws` package left
 * to the application's node_modules), `browser.js` for bundlers and pages, self-contained.
 */
export async function bundleClient(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  const common = { bundle: true, format: 'esm', sourcemap: true, logLevel: 'warning' } as const;
  await build({ ...common, entryPoints: { node: 'src/client/node/index.ts' }, outdir, platform: 'node', target: 'node20', external: ['ws'] });
  await build({ ...common, entryPoints: { browser: 'src/client/index.ts' }, outdir, platform: 'browser', target: 'es2022' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundle(path.resolve(import.meta.dirname, '..', 'dist', 'bin'));
  await bundleClient(path.resolve(import.meta.dirname, '..', 'dist', 'client'));
}
