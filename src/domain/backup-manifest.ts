import { InvalidInputError } from './errors.js';
import { isNamespaceName } from './namespace-name.js';

/** The file of a backup that lists its bundles; written last, so a backup without it is incomplete. */
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'cairn-backup';
export const MANIFEST_VERSION = 1;
/** How the system repository (webhook definitions, Cairn's own records) is named in a backup, as in the data directory. */
export const SYSTEM_REPOSITORY_NAME = '.cairn';

/** One repository of a backup: its bundle, the bundle's hash, and every ref the bundle restores. */
export interface BackedUpRepository {
  /** A namespace's name, or SYSTEM_REPOSITORY_NAME. */
  readonly name: string;
  /** The bundle's file, relative to the backup directory. */
  readonly bundle: string;
  /** SHA-256 of the bundle file, lowercase hex: checked before anything is restored. */
  readonly sha256: string;
  readonly bytes: number;
  /** Every ref (full name) and the object it points at, as one consistent snapshot of the repository. */
  readonly refs: Readonly<Record<string, string>>;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  /** ISO 8601: when the backup started. */
  readonly createdAt: string;
  /** The server the backup was read from. */
  readonly source: string;
  readonly repositories: readonly BackedUpRepository[];
}

/**
 * Where a repository's bundle goes in a backup: namespaces under `namespaces/`, the system repository beside the
 * manifest, so no namespace name can collide with it and no bundle is a hidden file.
 */
export function bundleFileOf(name: string): string {
  return name === SYSTEM_REPOSITORY_NAME ? 'system.bundle' : `namespaces/${name}.bundle`;
}

const SHA256 = /^[0-9a-f]{64}$/;
const OBJECT_ID = /^[0-9a-f]{40}$/;
/** A ref Git accepts and Cairn writes: under refs/, no `..`, no parts that start with a dot or end with `.lock`. */
const REF_NAME = /^refs\/(?:[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*\/)*[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/;

/** Reads and checks a manifest (untrusted: a file from a backup medium); InvalidInputError says what is wrong. */
export function parseBackupManifest(text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInputError(`${MANIFEST_FILE} is not JSON`);
  }
  if (!isRecord(value) || value.format !== MANIFEST_FORMAT) throw new InvalidInputError(`${MANIFEST_FILE} is not a Cairn backup manifest`);
  if (value.version !== MANIFEST_VERSION)
    throw new InvalidInputError(`${MANIFEST_FILE} has version ${String(value.version)}; this Cairn reads version ${MANIFEST_VERSION}`);
  if (typeof value.createdAt !== 'string' || typeof value.source !== 'string' || !Array.isArray(value.repositories)) {
    throw new InvalidInputError(`${MANIFEST_FILE} lacks createdAt, source or repositories`);
  }
  const repositories = value.repositories.map(repositoryOf);
  const names = new Set(repositories.map((r) => r.name));
  if (names.size !== repositories.length) throw new InvalidInputError(`${MANIFEST_FILE} lists a repository twice`);
  return { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, createdAt: value.createdAt, source: value.source, repositories };
}

function repositoryOf(entry: unknown): BackedUpRepository {
  if (!isRecord(entry) || typeof entry.name !== 'string') throw new InvalidInputError(`${MANIFEST_FILE}: a repository without a name`);
  const { name } = entry;
  const problem = (what: string): InvalidInputError => new InvalidInputError(`${MANIFEST_FILE}, repository '${name}': ${what}`);
  if (name !== SYSTEM_REPOSITORY_NAME && !isNamespaceName(name)) throw problem('not a namespace name');
  // The bundle is where this Cairn puts it, whatever the file says: a manifest cannot point a restore elsewhere.
  if (entry.bundle !== bundleFileOf(name)) throw problem(`the bundle must be ${bundleFileOf(name)}`);
  if (typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256)) throw problem('sha256 is not a SHA-256 in hex');
  if (typeof entry.bytes !== 'number' || !Number.isSafeInteger(entry.bytes) || entry.bytes < 0) throw problem('bytes is not a size');
  if (!isRecord(entry.refs)) throw problem('refs is not an object');
  const refs: Record<string, string> = {};
  for (const [ref, oid] of Object.entries(entry.refs)) {
    if (!REF_NAME.test(ref) || ref.includes('..') || /\.lock(\/|$)/.test(ref)) throw problem(`'${ref}' is not a ref name`);
    if (typeof oid !== 'string' || !OBJECT_ID.test(oid)) throw problem(`${ref} does not point at an object id`);
    refs[ref] = oid;
  }
  return { name, bundle: entry.bundle, sha256: entry.sha256, bytes: entry.bytes, refs };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
