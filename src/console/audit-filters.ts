import type { VariablesOf } from './graphql.js';
import type { AUDIT } from './queries.js';

/**
 * The audit filters as the address keeps them (`#/ns/app/audit?operator=ada&action=UPDATE`): a reload or a shared
 * link shows the same entries, and back/forward steps through earlier filters. Times are kept as instants (ISO 8601),
 * so a link means the same in every time zone; the form shows them in the browser's.
 */
export type AuditFilter = NonNullable<VariablesOf<typeof AUDIT>['filter']>;
export type Action = NonNullable<AuditFilter['action']>;
export type Subject = NonNullable<AuditFilter['subject']>;

export const ACTIONS: readonly Action[] = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'ROLLBACK',
  'REVERT',
  'MERGE',
  'PROPOSE',
  'APPROVE',
  'REJECT',
  'COMMENT',
  'IMPORT',
  'CAPTURE',
  'TAG',
  'UNTAG',
  'WEBHOOK',
];
/** Read from each namespace's own branches (change requests, the admin log): the audit across namespaces refuses them. */
const BRANCH_ACTIONS: ReadonlySet<Action> = new Set<Action>(['PROPOSE', 'APPROVE', 'REJECT', 'COMMENT', 'TAG', 'UNTAG', 'WEBHOOK']);
export const ACROSS_ACTIONS: readonly Action[] = ACTIONS.filter((a) => !BRANCH_ACTIONS.has(a));

export const SUBJECTS: readonly { readonly value: Subject; readonly label: string }[] = [
  { value: 'POLICY', label: 'Policy' },
  { value: 'ENVIRONMENT', label: 'Environments' },
  { value: 'SCHEMA', label: 'Schemas' },
  { value: 'OVERLAY', label: 'Overlays' },
  { value: 'DOCUMENT', label: 'Documents' },
  { value: 'CAIRN', label: "Cairn's other files" },
];

/** What the filter form holds: text as typed, times as the datetime-local inputs want them (local wall clock). */
export interface Draft {
  readonly operator: string;
  readonly action: string;
  readonly subject: string;
  readonly since: string;
  readonly until: string;
  readonly path: string;
}

export const EMPTY_DRAFT: Draft = { operator: '', action: '', subject: '', since: '', until: '', path: '' };

/** The address parameters the filters use, in the order they are written. */
const KEYS = ['operator', 'action', 'subject', 'since', 'until', 'path'] as const;

export function draftOf(params: URLSearchParams): Draft {
  return {
    operator: params.get('operator') ?? '',
    action: params.get('action') ?? '',
    subject: params.get('subject') ?? '',
    since: localTime(params.get('since')),
    until: localTime(params.get('until')),
    path: params.get('path') ?? '',
  };
}

/** The address parameters for a draft: empty fields left out, times as instants. */
export function paramsOf(draft: Draft): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = {
    operator: draft.operator.trim(),
    action: draft.action,
    subject: draft.subject,
    since: instant(draft.since),
    until: instant(draft.until),
    path: draft.path.trim(),
  };
  return Object.fromEntries(KEYS.map((key) => [key, params[key] || undefined]));
}

/** The GraphQL filter the address names; values the API does not know (a hand-edited link) are left out. */
export function filterOf(params: URLSearchParams, actions: readonly Action[] = ACTIONS): AuditFilter {
  const action = params.get('action');
  const subject = params.get('subject');
  return {
    operator: params.get('operator') || undefined,
    action: actions.find((a) => a === action),
    subject: SUBJECTS.find((s) => s.value === subject)?.value,
    since: validInstant(params.get('since')),
    until: validInstant(params.get('until')),
    path: params.get('path') || undefined,
  };
}

/** The same filter as the export endpoint's query string (`GET /v1/audit/<ns>?format=csv&operator=...`). */
export function exportQuery(filter: AuditFilter, format: 'csv' | 'jsonl'): string {
  const query = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(filter)) if (typeof value === 'string' && value) query.set(key, value);
  return query.toString();
}

/** A stable key for a filter: views read again when it changes. */
export function filterKey(filter: AuditFilter): string {
  return JSON.stringify(KEYS.map((key) => filter[key] ?? null));
}

/** datetime-local gives local wall-clock time without a zone; the API takes instants. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function validInstant(text: string | null): string | undefined {
  return text && !Number.isNaN(new Date(text).getTime()) ? new Date(text).toISOString() : undefined;
}

/** An instant as a datetime-local input shows it: the browser's wall clock, to the second. */
function localTime(text: string | null): string {
  const date = text ? new Date(text) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
