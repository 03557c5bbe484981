import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { NAMESPACES } from '../operations.js';
import { shortTime } from '../output.js';

interface NamespaceRow {
  readonly name: string;
  readonly versionCount: number;
  readonly head: { readonly hash: string; readonly shortHash: string; readonly timestamp: string } | null;
}

interface Page {
  readonly namespaces: {
    readonly edges: readonly { readonly node: NamespaceRow }[];
    readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  };
}

export function registerNamespaces(program: Command): void {
  program
    .command('namespaces')
    .description('the namespaces your token may read')
    .action(async (_options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const rows: NamespaceRow[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Page = await client.request<Page>(NAMESPACES, { after });
        rows.push(...page.namespaces.edges.map((e) => e.node));
        if (!page.namespaces.pageInfo.hasNextPage) break;
        after = page.namespaces.pageInfo.endCursor;
      }
      if (out.json) {
        out.data(rows.map((r) => ({ name: r.name, versions: r.versionCount, head: r.head?.hash ?? null, updatedAt: r.head?.timestamp ?? null })));
        return;
      }
      out.table(
        ['NAMESPACE', 'VERSIONS', 'HEAD', 'UPDATED'],
        rows.map((r) => [r.name, String(r.versionCount), r.head?.shortHash ?? '-', shortTime(r.head?.timestamp)]),
      );
    });
}
