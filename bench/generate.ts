import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const OPERATORS = [
  'Alice Ops <alice@example.com>',
  'Bob Dev <bob@example.com>',
  'Carol SRE <carol@example.com>',
  'Dan Bot <deploy-bot@example.com>',
  'Eve Admin <eve@example.com>',
];
export const DOCUMENTS = 200;

export function documentPath(k: number): string {
  return `team-${k % 10}/service-${k}.json`;
}

function documentText(k: number, version: number): string {
  const doc = {
    service: `service-${k}`,
    replicas: (version % 7) + 1,
    image: `registry.example.com/service-${k}:${version}`,
    limits: { cpu: `${(version % 4) + 1}`, memory: `${((version % 8) + 1) * 128}Mi` },
    features: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`flag_${i}`, (version + i) % 3 === 0])),
    endpoints: Array.from({ length: 4 }, (_, i) => ({ name: `ep-${i}`, port: 8000 + i, timeoutMs: 100 * (((version + i) % 9) + 1) })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * A bare repository with `versions` commits, made with `git fast-import` (much faster than committing one by one):
 * the first commit adds all documents, each later one changes one document, with Cairn's trailers.
 */
export function generateRepository(gitdir: string, versions: number): void {
  mkdirSync(gitdir, { recursive: true });
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir], { stdio: 'inherit' });
  const chunks: string[] = [];
  const start = 1_700_000_000;
  for (let v = 0; v < versions; v += 1) {
    const who = OPERATORS[v % OPERATORS.length];
    const when = `${start + v * 60} +0000`;
    const message = `change ${v}\n\nCairn-Action: ${v === 0 ? 'create' : 'update'}\nCairn-Operator-IP: 10.0.0.${v % 250}\n`;
    chunks.push(
      `commit refs/heads/main\nmark :${v + 1}\nauthor ${who} ${when}\ncommitter Cairn <cairn@localhost> ${when}\ndata ${Buffer.byteLength(message)}\n${message}`,
    );
    if (v > 0) chunks.push(`from :${v}\n`);
    const changed = v === 0 ? Array.from({ length: DOCUMENTS }, (_, k) => k) : [v % DOCUMENTS];
    for (const k of changed) {
      const text = documentText(k, v);
      chunks.push(`M 100644 inline ${documentPath(k)}\ndata ${Buffer.byteLength(text)}\n${text}`);
    }
    chunks.push('\n');
  }
  const result = spawnSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: chunks.join(''), maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`fast-import failed: ${result.stderr.toString()}`);
}

export function gitdirFor(dataDir: string, namespace: string): string {
  return path.join(dataDir, `${namespace}.git`);
}
