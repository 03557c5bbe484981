import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { AUDIT, unwrap } from '../operations.js';
import { firstLine, shortTime } from '../output.js';
import { type Connection, collectPages, parseLimit } from '../pages.js';

interface AuditEntry {
  readonly version: { readonly hash: string; readonly shortHash: string };
  readonly action: string | null;
  readonly time: string;
  readonly operator: { readonly name: string; readonly email: string } | null;
  /** Imported commits: who imported them (operator is the original author). */
  readonly importedBy: { readonly name: string; readonly email: string } | null;
  readonly operatorIp: string | null;
  readonly comment: string | null;
  readonly paths: readonly string[];
  readonly requestId: string | null;
}

interface AuditOptions {
  readonly operator?: string;
  readonly action?: string;
  readonly since?: string;
  readonly until?: string;
  readonly path?: string;
  readonly limit: string;
}

const ACTIONS = ['create', 'update', 'delete', 'rollback', 'revert', 'propose', 'approve', 'reject', 'merge', 'import'];

function instant(value: string | undefined, flag: string): string | null {
  if (value === undefined) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw usageError(`${flag} must be a date or ISO 8601 instant, not '${value}'`);
  return date.toISOString();
}

function filterOf(options: AuditOptions): Record<string, string | null> {
  const action = options.action?.toLowerCase();
  if (action !== undefined && !ACTIONS.includes(action)) throw usageError(`--action must be one of ${ACTIONS.join(', ')}`);
  return {
    operator: options.operator ?? null,
    action: action ? action.toUpperCase() : null,
    since: instant(options.since, '--since'),
    until: instant(options.until, '--until'),
    path: options.path ?? null,
  };
}

function operatorOf(entry: AuditEntry): string {
  const operator = entry.operator?.email ?? '';
  return entry.importedBy ? `${operator} (imported by ${entry.importedBy.email})` : operator;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('the audit log: who changed what, when, from where, why; newest first')
    .argument('<namespace>')
    .option('--operator <name-or-email>', 'only this operator (case-insensitive)')
    .option('--action <action>', `only this action (${ACTIONS.join(', ')})`)
    .option('--since <time>', 'from this instant (ISO 8601, e.g. 2026-01-01 or 2026-01-01T12:00:00Z)')
    .option('--until <time>', 'up to this instant')
    .option('--path <path>', 'only changes to this document')
    .option('--limit <n>', 'at most this many entries', '50')
    .action(async (namespace: string, options: AuditOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const filter = filterOf(options);
      const limit = parseLimit(options.limit);
      const entries = await collectPages(limit, async (first, after) => {
        const data: { namespace: { __typename: string } } = await client.request(AUDIT, { ns: namespace, filter, first, after });
        return unwrap<{ audit: Connection<AuditEntry> }>(data.namespace, 'Namespace').audit;
      });
      if (out.json) {
        out.data(entries);
        return;
      }
      out.table(
        ['VERSION', 'TIME', 'ACTION', 'OPERATOR', 'IP', 'PATHS', 'COMMENT'],
        entries.map((e) => [
          e.version.shortHash,
          shortTime(e.time),
          (e.action ?? '-').toLowerCase(),
          operatorOf(e),
          e.operatorIp ?? '',
          e.paths.join(','),
          firstLine(e.comment),
        ]),
      );
    });
}
