import { InvalidInputError, NamespaceExistsError, StorageError } from '../domain/errors.js';
import { RemoteUnavailableError } from '../git/remote.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type Page, type PageArgs, pageSize, refuseBackward } from './pagination.js';
import { type VersionView, viewOf } from './version-view.js';

/** A namespace as the API shows it: its name, and its head and size as they are when asked. */
export interface NamespaceView {
  readonly name: string;
  /** Main's last version; null before the first commit. */
  head(): VersionView | null;
  versionCount(): number;
}

export function namespaceView(namespace: NamespaceReader): NamespaceView {
  return {
    name: namespace.name,
    head: () => {
      const head = namespace.head();
      return head ? viewOf(namespace, head) : null;
    },
    versionCount: () => namespace.versionCount(),
  };
}

export class NamespaceService {
  constructor(private readonly access: NamespaceAccess) {}

  /** Namespaces the actor may read, by name. */
  list(actor: Actor): Promise<string[]> {
    return this.access.readable(actor);
  }

  /** A page of readable namespaces in name order; the cursor is the last name seen. */
  async page(actor: Actor, args: PageArgs): Promise<Page<NamespaceView>> {
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

  async get(actor: Actor, name: string): Promise<NamespaceView> {
    return namespaceView(await this.access.open(actor, name, 'viewer'));
  }

  async create(actor: Actor, name: string): Promise<NamespaceView> {
    const valid = this.access.authorize(actor, name, 'admin');
    const repo = await this.access.store.create(valid).catch((error: unknown) => {
      // With replicas, whether the name is taken is the remote's to say.
      if (error instanceof RemoteUnavailableError) throw StorageError.remote(error.message);
      throw error;
    });
    if (!repo) throw new NamespaceExistsError(valid);
    return namespaceView(repo);
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
