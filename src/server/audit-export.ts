import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ChangeSubject } from '../domain/change-subject.js';
import { isCommitAction } from '../domain/commit-message.js';
import { InvalidInputError } from '../domain/errors.js';
import { MAX_AUDIT_ACROSS_PAGE } from '../services/audit-across.js';
import type { AuditFilter } from '../services/audit-query.js';
import type { Cairn } from '../services/cairn.js';
import { MAX_PAGE_SIZE } from '../services/pagination.js';
import type { Page } from '../services/pagination.js';
import type { VersionView } from '../services/version-view.js';
import type { Authenticator } from './authenticator.js';
import { answer, answerFailure, authenticated } from './json-answer.js';
import { decodedSegment } from './path-segment.js';

const ACROSS = '/v1/audit';
const PREFIX = `${ACROSS}/`;
/** An export is at most this many entries: a namespace's whole history is a few of them; narrow by time past it. */
export const MAX_EXPORTED_ENTRIES = 100_000;

const COLUMNS = ['version', 'time', 'action', 'operatorName', 'operatorEmail', 'operatorIp', 'comment', 'paths'] as const;
/** Across namespaces, each entry says which namespace it is from first. */
const ACROSS_COLUMNS = ['namespace', ...COLUMNS] as const;
type Column = (typeof ACROSS_COLUMNS)[number];

const SUBJECTS: readonly ChangeSubject[] = ['document', 'overlay', 'policy', 'schema', 'environment', 'cairn'];

/** One page of a namespace's audit, or of every namespace's. */
type ReadPage = (after: string | null) => Promise<Page<VersionView>>;

/**
 * `GET /v1/audit/<namespace>?format=csv|jsonl` exports the audit log, newest first, with the same filters as the API's
 * `audit(filter:)`: `operator` (a part of the name or email), `action`, `subject`, `path`, `since`, `until` (ISO
 * 8601). CSV is RFC 4180 with a header row (`paths` joined with spaces); JSON Lines is one object per entry. Streamed a
 * page at a time, so a long history neither waits for the last page nor sits whole in memory. `GET /v1/audit` (no
 * namespace) exports the audit across every namespace one may read, as the root `audit` query lists it, with a
 * `namespace` column first.
 */
export class AuditExport {
  constructor(
    private readonly cairn: Cairn,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  static owns(path: string): boolean {
    return path === ACROSS || path.startsWith(PREFIX);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://audit.invalid');
    if (req.method !== 'GET') return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } }, { allow: 'GET' });
    const actor = await authenticated(this.authenticator, req, res);
    if (!actor) return;
    try {
      const namespace = url.pathname === ACROSS || url.pathname === PREFIX ? null : decodedSegment(url.pathname.slice(PREFIX.length));
      const format = url.searchParams.get('format') ?? 'jsonl';
      if (format !== 'csv' && format !== 'jsonl') throw new InvalidInputError(`format '${format}': csv or jsonl`);
      const filter = filterOf(url.searchParams);
      const read: ReadPage =
        namespace === null
          ? (after) => this.cairn.auditAcross.entries(actor, { ...filter, first: MAX_AUDIT_ACROSS_PAGE, after })
          : (after) => this.cairn.audit.entries(actor, namespace, { ...filter, first: MAX_PAGE_SIZE, after });
      const columns = namespace === null ? ACROSS_COLUMNS : COLUMNS;
      // The first page is read before answering: a namespace that does not exist is a 404, not an empty file.
      let page = await read(null);
      const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
      const file = `${namespace ?? 'all-namespaces'}-audit.${format}`;
      res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${file}"`, 'cache-control': 'no-cache' });
      if (format === 'csv') res.write(`${columns.join(',')}\r\n`);
      for (let written = 0; ;) {
        for (const { node } of page.edges) {
          if (written++ >= MAX_EXPORTED_ENTRIES) return void res.end();
          const row = rowOf(node, columns);
          res.write(format === 'csv' ? csvRow(row, columns) : `${JSON.stringify(row)}\n`);
        }
        if (!page.pageInfo.hasNextPage || res.destroyed) break;
        page = await read(page.pageInfo.endCursor);
      }
      res.end();
    } catch (error) {
      if (res.headersSent) return void res.destroy(error instanceof Error ? error : undefined);
      answerFailure(res, error, this.logger, url.pathname);
    }
  }
}

function filterOf(query: URLSearchParams): AuditFilter {
  const action = query.get('action')?.toLowerCase() ?? null;
  if (action !== null && !isCommitAction(action)) throw new InvalidInputError(`action '${action}' is not a commit action`);
  const subject = query.get('subject')?.toLowerCase() ?? null;
  const known = SUBJECTS.find((s) => s === subject) ?? null;
  if (subject !== null && known === null) throw new InvalidInputError(`subject '${subject}': one of ${SUBJECTS.join(', ')}`);
  return {
    operator: query.get('operator'),
    action,
    subject: known,
    path: query.get('path'),
    since: dateOf(query, 'since'),
    until: dateOf(query, 'until'),
  };
}

function dateOf(query: URLSearchParams, name: string): Date | null {
  const text = query.get(name);
  if (text === null) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(`${name} '${text}': an ISO 8601 date or time`);
  return date;
}

function rowOf(version: VersionView, columns: readonly Column[]): Partial<Record<Column, string | string[] | null>> {
  const { commit } = version;
  const row: Record<Column, string | string[] | null> = {
    namespace: version.namespace.name,
    version: commit.oid,
    time: new Date(commit.committer.timestamp * 1000).toISOString(),
    action: commit.trailers?.action ?? null,
    operatorName: commit.author.name,
    operatorEmail: commit.author.email,
    operatorIp: commit.trailers?.operatorIp ?? null,
    comment: commit.comment,
    paths: commit.changes.map((c) => c.path),
  };
  return Object.fromEntries(columns.map((column) => [column, row[column]]));
}

/** One RFC 4180 row: every field quoted, quotes doubled; a field a spreadsheet would run as a formula is defused. */
function csvRow(row: Partial<Record<Column, string | string[] | null>>, columns: readonly Column[]): string {
  const field = (value: string | string[] | null): string => {
    const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
    const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return `"${safe.replaceAll('"', '""')}"`;
  };
  return `${columns.map((column) => field(row[column] ?? null)).join(',')}\r\n`;
}
