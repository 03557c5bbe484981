import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { HISTORY, unwrap } from '../operations.js';
import { firstLine, shortTime } from '../output.js';
import { type Connection, collectPages, parseLimit } from '../pages.js';
import type { VersionInfo } from '../write-result.js';

type HistoryEntry = VersionInfo & { readonly changes: readonly { readonly path: string; readonly status: string }[] };

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
      const entries = await collectPages(limit, async (first, after) => {
        const data: { namespace: { __typename: string } } = await client.request(HISTORY, { ns: namespace, path: options.path ?? null, first, after });
        return unwrap<{ versions: Connection<HistoryEntry> }>(data.namespace, 'Namespace').versions;
      });
      if (out.json) {
        out.data(entries);
        return;
      }
      out.table(
        ['VERSION', 'TIME', 'ACTION', 'OPERATOR', 'DOCS', 'COMMENT'],
        entries.map((v) => [
          v.shortHash,
          shortTime(v.timestamp),
          (v.action ?? '-').toLowerCase(),
          v.operator?.email ?? '',
          String(v.changes.length),
          firstLine(v.comment),
        ]),
      );
    });
}
