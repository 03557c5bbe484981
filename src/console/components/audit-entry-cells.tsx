import { href } from '../route.js';
import { ActionBadge, Hash } from './badges.js';

/** What both audit tables show of an entry after who made it. */
export interface AuditEntryFacts {
  readonly action?: string | null;
  readonly comment?: string | null;
  readonly paths?: readonly string[] | null;
  readonly version?: { readonly shortHash?: string | null } | null;
}

/** An audit entry's action, comment, documents (linked in its namespace) and version: the cells both audit views share. */
export function AuditEntryCells({ ns, entry }: { ns: string; entry: AuditEntryFacts }) {
  return (
    <>
      <td>
        <ActionBadge action={entry.action} />
      </td>
      <td>{entry.comment}</td>
      <td>
        {(entry.paths ?? []).map((p) => (
          <a key={p} class="path-chip" href={href(ns, { doc: p })}>
            {p}
          </a>
        ))}
      </td>
      <td>
        <Hash value={entry.version?.shortHash} />
      </td>
    </>
  );
}
