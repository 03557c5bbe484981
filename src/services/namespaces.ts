import { InvalidInputError, NamespaceExistsError, StorageError } from '../domain/errors.js';
import { RemoteUnavailableError } from '../git/remote.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import { type Page, type PageArgs, pageSize, refuseBackward } from './pagination.js';

export class NamespaceService {
  constructor(private readonly access: NamespaceAccess) {}

  /** Namespaces the actor may read, by name. */
  list(actor: Actor): Promise<string[]> {
    return this.access.readable(actor);
  }

  /** A page of readable namespaces in name order; the cursor is the last name seen. */
  async page(actor: Actor, args: PageArgs): Promise<Page<GitRepository>> {
    const size = pageSize(args.first);
    refuseBackward(args);
    const after = args.after ? decodeNameCursor(args.after) : null;
    const names = (await this.list(actor)).filter((n) => after === null || n > after);
    const edges = await Promise.all(names.slice(0, size).map(async (name) => ({ node: await this.get(actor, name), cursor: encodeNameCursor(name) })));
    return {
      edges,
      pageInfo: {
        hasNextPage: names.length > size,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  get(actor: Actor, name: string): Promise<GitRepository> {
    return this.access.open(actor, name, 'viewer');
  }

  async create(actor: Actor, name: string): Promise<GitRepository> {
    const valid = this.access.authorize(actor, name, 'admin');
    const repo = await this.access.store.create(valid).catch((error: unknown) => {
      // With replicas, whether the name is taken is the remote's to say.
      if (error instanceof RemoteUnavailableError) throw StorageError.remote(error.message);
      throw error;
    });
    if (!repo) throw new NamespaceExistsError(valid);
    return repo;
  }
}

function encodeNameCursor(name: string): string {
  return Buffer.from(`ns:${name}`).toString('base64url');
}

function decodeNameCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!decoded.startsWith('ns:')) throw new InvalidInputError(`invalid cursor '${cursor}'`);
  return decoded.slice(3);
}
