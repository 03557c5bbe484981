import { InvalidInputError, InvalidTagNameError, NotFoundError, ProtectedTagError, TagExistsError } from '../domain/errors.js';
import { tagRecordPath } from '../domain/admin-log.js';
import { matchesAny } from '../domain/namespace-policy.js';
import { refNameProblem, validateTagName } from '../domain/ref-name.js';
import { RefMovedError } from '../git/ref-store.js';
import { RemoteMovedError } from '../git/remote.js';
import type { GitRepository } from '../git/repository.js';
import { type StoredTag, TagExistsInRepositoryError, TagPathConflictError } from '../git/tag-store.js';
import type { Actor } from './actor.js';
import type { AdminLog } from './admin-log.js';
import type { NamespaceAccess } from './namespace-access.js';
import { policyAt } from './namespace-policy.js';
import { gitFailure } from './git-failure.js';
import { signer } from './signature.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type VersionView, versionAt, versionOf } from './version-view.js';

/** A tag as the API shows it, with the protectedTags pattern of the head's policy that covers it, if any. */
export interface TagView {
  readonly namespace: NamespaceReader;
  readonly tag: StoredTag;
  readonly protectedBy: string | null;
}

export interface CreateTagRequest {
  readonly namespace: string;
  readonly name: string;
  /** Any version reference (hash, tag, HEAD~N, @{time}). */
  readonly version: string;
  readonly message?: string | null;
}

const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Annotated tags on versions. A tag is created once and never moved; deleting one takes an admin, and tags
 * matching the policy's `protectedTags` can be neither moved nor deleted.
 */
export class TagService {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly clock: () => Date,
    private readonly adminLog: AdminLog,
  ) {}

  async list(actor: Actor, namespace: string): Promise<TagView[]> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const patterns = await protectedPatterns(repo);
    return (await repo.listTags()).map((tag) => ({ namespace: repo, tag, protectedBy: coveringPattern(patterns, tag.name) }));
  }

  async create(actor: Actor, request: CreateTagRequest): Promise<TagView> {
    const name = validateTagName(request.name);
    const message = normalizeMessage(request.message ?? '');
    const repo = await this.access.open(actor, request.namespace, 'editor');
    const target = await versionAt(repo, request.version);
    // Only main's history is released: a proposal's commit is not approved content.
    if (target.commit.seq < 0) throw new InvalidInputError(`'${request.version}' is not a version of main; only main's versions are tagged`);
    const patterns = await protectedPatterns(repo);
    const existing = await repo.tag(name);
    if (existing) throw refusalToMove(patterns, name, existing.oid);
    const tagger = signer(this.clock())(actor.operator);
    let tag: StoredTag;
    try {
      // Under the write lock: a pull of the remote's tags in between would find this one on neither side.
      tag = await repo.exclusive(() => repo.createTag(name, target.commit.oid, tagger, message));
    } catch (error) {
      if (error instanceof TagExistsInRepositoryError) throw refusalToMove(patterns, name, error.actual);
      if (error instanceof TagPathConflictError) throw new InvalidTagNameError(name, `conflicts with the existing tag '${error.existing}'`);
      throw gitFailure(error);
    }
    await this.adminLog.record(actor, repo.name, 'editor', {
      action: 'tag',
      path: tagRecordPath(name),
      content: tagRecordNow(name),
      comment: `tag ${name} at ${target.commit.oid.slice(0, 12)}${message ? `: ${message.trim()}` : ''}`,
    });
    return { namespace: repo, tag, protectedBy: coveringPattern(patterns, name) };
  }

  async delete(actor: Actor, namespace: string, name: string): Promise<TagView> {
    // Git's rules only: a tag made with the git CLI may have a name Cairn would not create (`deadbeef`).
    const problem = refNameProblem(`refs/tags/${name}`);
    if (problem) throw new InvalidTagNameError(name, problem);
    const repo = await this.access.open(actor, namespace, 'admin');
    const tag = await repo.tag(name);
    if (!tag) throw new NotFoundError('tag', name);
    const protectedBy = coveringPattern(await protectedPatterns(repo), name);
    if (protectedBy) throw new ProtectedTagError(name, protectedBy);
    try {
      await repo.exclusive(() => repo.removeTag(name, tag.oid));
    } catch (error) {
      if (error instanceof RefMovedError) throw new TagExistsError(name, error.actual ?? 'nothing');
      if (error instanceof RemoteMovedError) throw new TagExistsError(name, 'another value on the shared remote');
      throw gitFailure(error);
    }
    await this.adminLog.record(actor, repo.name, 'admin', {
      action: 'untag',
      path: tagRecordPath(name),
      content: tagRecordNow(name),
      comment: `delete tag ${name} (it was at ${tag.target.slice(0, 12)})`,
    });
    return { namespace: repo, tag, protectedBy: null };
  }
}

/** The version a tag names. */
export function taggedVersion(view: TagView): Promise<VersionView> {
  return versionOf(view.namespace, view.tag.target);
}

async function protectedPatterns(repo: GitRepository): Promise<readonly string[]> {
  return (await policyAt(repo)).protectedTags;
}

function coveringPattern(patterns: readonly string[], name: string): string | null {
  return patterns.find((p) => matchesAny([p], name)) ?? null;
}

function refusalToMove(patterns: readonly string[], name: string, current: string): Error {
  const protectedBy = coveringPattern(patterns, name);
  return protectedBy ? new ProtectedTagError(name, protectedBy) : new TagExistsError(name, current);
}

/** What the admin log keeps of a tag, as it is when recorded: the version it names and its message; null once deleted. */
function tagRecordNow(name: string): (repo: GitRepository) => Promise<string | null> {
  return async (repo) => {
    const tag = await repo.tag(name);
    return tag ? `${JSON.stringify({ version: tag.target, message: tag.message ?? '' }, null, 2)}\n` : null;
  };
}

/** Git's own cleanup of `git tag -m`: no trailing blank lines, one final newline; an empty message stays empty. */
function normalizeMessage(message: string): string {
  if (message.includes('\0')) throw new InvalidInputError('the tag message contains a NUL character');
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw new InvalidInputError(`the tag message is longer than ${MAX_MESSAGE_BYTES} bytes`);
  const trimmed = message.replace(/\s+$/, '');
  return trimmed === '' ? '' : `${trimmed}\n`;
}
