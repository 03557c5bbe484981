import { NamespaceExistsError, NotFoundError } from '../domain/errors.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';

export class NamespaceService {
  constructor(private readonly access: NamespaceAccess) {}

  /** Namespaces the actor may read, by name. */
  list(actor: Actor): Promise<string[]> {
    return this.access.readable(actor);
  }

  get(actor: Actor, name: string): Promise<GitRepository> {
    return this.access.open(actor, name, 'viewer');
  }

  async create(actor: Actor, name: string): Promise<GitRepository> {
    const valid = this.access.authorize(actor, name, 'admin');
    const repo = await this.access.store.create(valid);
    if (!repo) throw new NamespaceExistsError(valid);
    return repo;
  }

  /** For the Relay node interface: a namespace the actor may read, or not found. */
  async find(actor: Actor, name: string): Promise<GitRepository> {
    if (!this.access.canRead(actor, name)) throw new NotFoundError('namespace', name);
    return this.access.open(actor, name, 'viewer');
  }
}
