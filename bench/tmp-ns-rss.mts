import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { graphqlClient } from './graphql-client.js';
import { startServerProcess } from './server-process.js';
const COMMITS = 100, DOCUMENTS = 20, count = 1000;
const dataDir = '/tmp/ns-data';
const READ = `query($ns: String!, $path: String!) { namespace(name: $ns) { ... on Namespace { config(path: $path) { ... on ConfigDocument { text } } } } }`;
const name = (i: number) => `ns-${String(i).padStart(5, '0')}`;
function gen(gitdir: string, n: number) {
  mkdirSync(gitdir, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir]);
  const chunks: string[] = []; const start = 1_700_000_000;
  for (let v = 0; v < COMMITS; v += 1) {
    const when = `${start + v * 60} +0000`;
    const message = `change ${v}\n\nCairn-Action: ${v === 0 ? 'create' : 'update'}\n`;
    chunks.push(`commit refs/heads/main\nmark :${v + 1}\nauthor Bench <bench@example.com> ${when}\ncommitter Cairn <cairn@localhost> ${when}\n`);
    chunks.push(`data ${Buffer.byteLength(message)}\n${message}${v > 0 ? `from :${v}\n` : ''}`);
    for (const k of v === 0 ? Array.from({ length: DOCUMENTS }, (_, i) => i) : [v % DOCUMENTS]) {
      const text = `${JSON.stringify({ namespace: n, service: k, version: v, replicas: (v % 5) + 1 }, null, 2)}\n`;
      chunks.push(`M 100644 inline service-${k}.json\ndata ${Buffer.byteLength(text)}\n${text}`);
    }
    chunks.push('\n');
  }
  const r = spawnSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: chunks.join('') });
  if (r.status !== 0) throw new Error('fi');
}
if (!existsSync(dataDir)) for (let i = 0; i < count; i++) gen(path.join(dataDir, `${name(i)}.git`), i);
const env = Object.fromEntries((process.env.EXTRA ?? '').split(' ').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
const flags = process.env.FLAGS ? process.env.FLAGS.split(' ') : undefined;
const server = await startServerProcess(dataDir, env, flags);
console.log('ready ms', server.readyMs.toFixed(0));
const gql = graphqlClient(server.url);
let next = 0;
await Promise.all(Array.from({ length: 8 }, async () => { while (next < count) { const i = next++; await gql(READ, { ns: name(i), path: `service-${i % DOCUMENTS}.json` }); } }));
await new Promise((r) => setTimeout(r, 3000));
const st = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
console.log('RSS MB', Number(/VmRSS:\s+(\d+)/.exec(st)?.[1]) / 1024, 'fds', readdirSync(`/proc/${server.child.pid}/fd`).length);
const m = await (await fetch(`${server.url}/metrics`)).text();
console.log(m.split('\n').filter((l) => /heap|rss|external|array_?buffer/i.test(l) && !l.startsWith('#')).join('\n'));
if (process.env.SNAP) { process.kill(server.child.pid!, 'SIGUSR2'); await new Promise((r) => setTimeout(r, 20000)); }
await server.stop();
