import { type Role, roleIn, satisfies } from '../domain/access.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { validateNamespaceName } from '../domain/namespace-name.js';
import type { GitRepository } from '../git/repository.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import { translatingGitFailures } from './git-failure.js';

/**
 * The one door to a namespace's repository: validates the name, checks the actor's role, then opens it.
 * The role is checked before existence so that a forbidden caller cannot probe which namespaces exist.
 */
export class NamespaceAccess {
  constructor(readonly store: RepositoryStore) {}

  authorize(actor: Actor, name: string, needed: Role): string {
    const valid = validateNamespaceName(name);
    if (!satisfies(roleIn(actor.operator.grants, valid), needed)) throw new ForbiddenError(valid, needed);
    return valid;
  }

  async open(actor: Actor, name: string, needed: Role): Promise<GitRepository> {
    const valid = this.authorize(actor, name, needed);
    const repo = await translatingGitFailures(this.store.find(valid));
    if (!repo) throw new NotFoundError('namespace', valid);
    return repo;
  }

  canRead(actor: Actor, name: string): boolean {
    return satisfies(roleIn(actor.operator.grants, name), 'viewer');
  }

  async readable(actor: Actor): Promise<string[]> {
    return (await this.store.list()).filter((name) => this.canRead(actor, name));
  }
}
