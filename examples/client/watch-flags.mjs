// A service following its configuration with Cairn's client library: prints what it runs, then every change.
//
//   npm run build && CAIRN_TOKEN=… node examples/client/watch-flags.mjs      (the built library, dist/client)
//   CAIRN_TOKEN=… npx tsx --conditions=source examples/client/watch-flags.mjs (straight from src/client)
//
// CAIRN_URL (default http://127.0.0.1:4000), CAIRN_NAMESPACE (default payments); with CAIRN_ENV, also
// CAIRN_CLUSTER and CAIRN_INSTANCE (default: the host name): the instance's release, reported APPLIED. CAIRN_CACHE_DIR
// keeps the last good snapshot, so the service starts while Cairn is down.
import { hostname } from 'node:os';
import { connect } from 'cairn/client';

const env = process.env;
const config = await connect({
  url: env.CAIRN_URL ?? 'http://127.0.0.1:4000',
  token: env.CAIRN_TOKEN ?? null,
  namespace: env.CAIRN_NAMESPACE ?? 'payments',
  env: env.CAIRN_ENV ?? null,
  cluster: env.CAIRN_CLUSTER ?? null,
  instance: env.CAIRN_ENV ? (env.CAIRN_INSTANCE ?? hostname()) : null,
  cacheDir: env.CAIRN_CACHE_DIR,
});

const print = (event) => console.log(JSON.stringify(event));
print({ event: 'running', version: config.version, fromCache: config.fromCache, documents: Object.fromEntries(config.paths().map((p) => [p, config.get(p)])) });
for (const path of config.paths()) {
  config.watch(path, (value, { version, changes }) => print({ event: 'changed', path, version, value, changes }));
}

const stop = async () => {
  await config.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
