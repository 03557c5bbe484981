import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The server files that may import src/git (README, "Layout"): those that create the repository store and wire it to
 * the services, the remote and the bus. Every other file outside src/git and src/services reaches Git through a service.
 */
const GIT_WIRING = [
  'src/server/app.ts', // creates the repository store and hands it to the services
  'src/server/cluster.ts', // connects the store to the shared remote and the bus
  'src/server/redeliver-forwarding.ts', // finds (and pulls) the repository a forwarded redelivery names
  'src/server/metrics.ts', // counts the commits the store's append listener reports (its types only)
  'src/server/setting-declarations.ts', // the defaults of the pack handles' and the cache budget's bounds
];

/** Every source file under src/, by its path from the project root ('src/git/repository.ts'). */
function sourceFiles(): string[] {
  return readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => path.posix.join('src', file.split(path.sep).join('/')))
    .sort();
}

/**
 * The source files `file` imports, type-only imports and re-exports included. TypeScript's own pre-processor reads
 * the import statements, so comments and strings that look like imports are not counted.
 */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map((specifier) => specifier.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const target = path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '');
      const found = [`${target}.ts`, `${target}.tsx`, target, `${target}/index.ts`].find((candidate) => known.has(candidate));
      return found ? [found] : [];
    });
}

function importGraph(): Map<string, string[]> {
  const files = sourceFiles();
  const known = new Set(files);
  return new Map(files.map((file) => [file, importsOf(file, known)]));
}

/** One cycle per strongly connected group found by a depth-first walk, as the chain of files that closes it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string): void => {
    onPath.push(file);
    for (const next of graph.get(file) ?? []) {
      const start = onPath.indexOf(next);
      if (start >= 0) found.push(fromFirstFile(onPath.slice(start)));
      else if (!done.has(next)) visit(next);
    }
    onPath.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return found;
}

/** A cycle written from its alphabetically first file round to it again, however the walk came upon it. */
function fromFirstFile(ring: readonly string[]): string[] {
  const first = ring.indexOf([...ring].sort()[0] ?? '');
  return [...ring.slice(first), ...ring.slice(0, first), ring[first] ?? ''];
}

describe('layers (README, "Layout")', () => {
  const graph = importGraph();

  it('reads the imports of every source file', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/graphql/schema.ts')).toContain('src/graphql/builder.ts');
  });

  it('lets only the services and the server wiring import src/git', () => {
    const offending = [...graph]
      .filter(([file]) => !file.startsWith('src/git/') && !file.startsWith('src/services/') && !GIT_WIRING.includes(file))
      .flatMap(([file, imports]) => imports.filter((target) => target.startsWith('src/git/')).map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });

  it('has no import cycles among the source files', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});
