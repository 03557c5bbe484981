import { InvalidInputError } from '../domain/errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { NamespaceReader } from './namespace-reader.js';

export type { IndexedCommit } from '../git/commit-index.js';
export type { PathStatus } from '../git/tree-diff.js';

/** A version as the API shows it: a commit and the namespace it belongs to. */
export interface VersionView {
  readonly namespace: NamespaceReader;
  readonly commit: IndexedCommit;
}

export async function versionAt(namespace: NamespaceReader, ref: string): Promise<VersionView> {
  const oid = await namespace.resolve(ref);
  return versionOf(namespace, oid);
}

/** The version of commit `oid`, on main or not. */
export async function versionOf(namespace: NamespaceReader, oid: string): Promise<VersionView> {
  return { namespace, commit: await namespace.describe(oid) };
}

export function viewOf(namespace: NamespaceReader, commit: IndexedCommit): VersionView {
  return { namespace, commit };
}

/** The version's first parent; null for a root commit. */
export function parentOf(version: VersionView): Promise<VersionView | null> {
  const parent = version.commit.parents[0];
  return parent ? versionOf(version.namespace, parent) : Promise.resolve(null);
}

/** A version a trailer names (rollbackTo, reverts); null when there is none or it cannot be read any more. */
export async function relatedVersion(version: VersionView, oid: string | null | undefined): Promise<VersionView | null> {
  if (!oid) return null;
  try {
    return await versionAt(version.namespace, oid);
  } catch {
    return null;
  }
}

/** The version argument of a read: a reference (`at`), an instant (`asOf`: main's last commit by then), or the head. */
export function versionArgument(at?: string | null, asOf?: Date | null): string {
  if (at && asOf) throw new InvalidInputError('give either at or asOf, not both');
  return asOf ? `@{${asOf.toISOString()}}` : (at ?? 'HEAD');
}
