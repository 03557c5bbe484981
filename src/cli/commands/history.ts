import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { HISTORY, unwrap } from '../operations.js';
import { firstLine, shortTime } from '../output.js';
import type { VersionInfo } from '../write-result.js';

interface Connection<T> {
  readonly edges: readonly { readonly node: T }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

type HistoryEntry = VersionInfo & { readonly changes: readonly { readonly path: string; readonly status: string }[] };

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--limit must be a positive whole number, not '${value}'`);
  return n;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('versions of a namespace (or of one document), newest first')
    .argument('<namespace>')
    .option('--path <path>', 'only versions that changed this document')
    .option('--limit <n>', 'at most this many versions', '20')
    .action(async (namespace: string, options: { path?: string; limit: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const limit = parseLimit(options.limit);
      const entries: HistoryEntry[] = [];
      let after: string | null = null;
      while (entries.length < limit) {
        const data: { namespace: { __typename: string } } = await client.request(HISTORY, { ns: namespace, path: options.path ?? null, first: Math.min(100, limit - entries.length), after });
        const page = unwrap<{ versions: Connection<HistoryEntry> }>(data.namespace, 'Namespace').versions;
        entries.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      if (out.json) {
        out.data(entries);
        return;
      }
      out.table(
        ['VERSION', 'TIME', 'ACTION', 'OPERATOR', 'DOCS', 'COMMENT'],
        entries.map((v) => [v.shortHash, shortTime(v.timestamp), (v.action ?? '-').toLowerCase(), v.operator?.email ?? '', String(v.changes.length), firstLine(v.comment)]),
      );
    });
}
