import type { Actor } from '../services/actor.js';
import type { BlobSource } from '../services/blob-source.js';
import type { Cairn } from '../services/cairn.js';

/** What every resolver gets: the use cases, who is asking, and per-request caches. */
export interface GraphQLContext {
  readonly cairn: Cairn;
  readonly actor: Actor;
  readonly blobs: BlobSource;
  readonly requestId: string;
}
