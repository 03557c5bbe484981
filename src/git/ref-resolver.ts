import { InvalidRefError } from '../domain/errors.js';
import { parseInstant } from '../domain/instant.js';
import { isValidRefName } from '../domain/ref-name.js';
import type { CommitIndex } from './commit-index.js';
import type { VisibleIndex } from './visible-index.js';
import type { ObjectStore } from './object-store.js';
import { MAIN_REF, type RefStore } from './ref-store.js';

const FULL_HASH = /^[0-9a-f]{40}$/;
const SHORT_HASH = /^[0-9a-f]{4,39}$/;
/** `@{time}`, `HEAD@{time}`, `main@{time}`: main as of an instant. `@{` cannot occur in a ref name. */
const AS_OF = /^(?:HEAD|main)?@\{(.*)\}$/;
const MAX_PEEL = 10;

/**
 * Turns what a user may type for a version (full or unique short hash, tag, HEAD, main, `@{<ISO-8601 time>}`,
 * with `~N` or `^` suffixes) into a commit hash. Unknown, ambiguous and malformed references are typed errors.
 */
export class RefResolver {
  constructor(
    private readonly objects: ObjectStore,
    private readonly refs: RefStore,
    /** Main as the caller may see it (see VisibleIndex). */
    private readonly index: Pick<CommitIndex | VisibleIndex, 'head' | 'get' | 'at' | 'lastAtOrBefore' | 'matchPrefix'>,
  ) {}

  async resolve(ref: string): Promise<string> {
    const match = /^(.+?)((?:~\d{0,9}|\^)*)$/.exec(ref.trim());
    if (!match?.[1] || ref.length > 256) throw new InvalidRefError(ref, 'malformed');
    const base = await this.resolveBase(ref, match[1]);
    return this.ancestor(ref, base, countSteps(match[2] ?? ''));
  }

  private async resolveBase(ref: string, base: string): Promise<string> {
    const asOf = AS_OF.exec(base);
    if (asOf) return this.asOf(ref, asOf[1] ?? '');
    if (base === 'HEAD' || base === 'main') {
      const head = this.index.head();
      if (!head) throw new InvalidRefError(ref, 'unknown');
      return head.oid;
    }
    if (FULL_HASH.test(base)) return this.requireCommit(ref, base);
    if (SHORT_HASH.test(base)) {
      const byHash = await this.expandShort(ref, base);
      if (byHash) return byHash;
    }
    const tag = base.startsWith('refs/tags/') ? base : `refs/tags/${base}`;
    if (!isValidRefName(tag)) throw new InvalidRefError(ref, 'malformed');
    const target = (await this.refs.read(tag)) ?? (base === 'main' ? await this.refs.read(MAIN_REF) : null);
    if (!target) throw new InvalidRefError(ref, 'unknown');
    return this.peel(ref, target);
  }

  /** The last commit of main at or before the instant (committer time), from the commit index. */
  private asOf(ref: string, time: string): string {
    const instant = parseInstant(time);
    if (!instant) throw new InvalidRefError(ref, 'malformed');
    const commit = this.index.lastAtOrBefore(Math.floor(instant.getTime() / 1000));
    if (!commit) throw new InvalidRefError(ref, 'unknown');
    return commit.oid;
  }

  private async expandShort(ref: string, prefix: string): Promise<string | null> {
    const onMain = this.index.matchPrefix(prefix);
    if (onMain.length > 1) throw new InvalidRefError(ref, 'ambiguous');
    const inRepository = await this.objects.matchPrefix(prefix);
    if (inRepository.length > 1) throw new InvalidRefError(ref, 'ambiguous');
    const oid = inRepository[0];
    return oid ? this.peel(ref, oid) : null;
  }

  private async requireCommit(ref: string, oid: string): Promise<string> {
    if (this.index.get(oid)) return oid;
    if ((await this.objects.typeOf(oid)) === null) throw new InvalidRefError(ref, 'unknown');
    return this.peel(ref, oid);
  }

  /** Follows annotated tags down to the commit they name. */
  private async peel(ref: string, oid: string): Promise<string> {
    let current = oid;
    for (let i = 0; i < MAX_PEEL; i += 1) {
      if (this.index.get(current)) return current;
      const type = await this.objects.typeOf(current);
      if (type === 'commit') return current;
      if (type !== 'tag') throw new InvalidRefError(ref, 'unknown');
      current = (await this.objects.readTag(current)).object;
    }
    throw new InvalidRefError(ref, 'unknown');
  }

  private async ancestor(ref: string, oid: string, steps: number): Promise<string> {
    const indexed = this.index.get(oid);
    if (indexed) {
      const target = this.index.at(indexed.seq - steps);
      if (!target) throw new InvalidRefError(ref, 'unknown');
      return target.oid;
    }
    let current = oid;
    for (let i = 0; i < steps; i += 1) {
      const parent = (await this.objects.readCommit(current)).parents[0];
      if (!parent) throw new InvalidRefError(ref, 'unknown');
      current = parent;
    }
    return current;
  }
}

function countSteps(suffix: string): number {
  let steps = 0;
  for (const part of suffix.match(/~\d*|\^/g) ?? []) steps += part === '^' || part === '~' ? 1 : Number(part.slice(1));
  return steps;
}
