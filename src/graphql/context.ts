import type { Actor } from '../services/actor.js';
import type { BlobSource } from '../services/blob-source.js';
import type { Cairn } from '../services/cairn.js';
import type { SlowSubscriberError } from '../services/feed-errors.js';
import type { Logger } from '../services/logger.js';
import type { ResponseSplices } from './response-splices.js';

/** What every resolver gets: the use cases, who is asking, and per-request caches. */
export interface GraphQLContext {
  readonly cairn: Cairn;
  readonly actor: Actor;
  readonly blobs: BlobSource;
  /** The server's logger bound to this request's id: what is logged about the request carries it without asking. */
  readonly logger: Logger;
  /** Set by the transport of a subscription: disconnects a subscriber that fell too far behind, with the reason. */
  readonly onSlowSubscriber?: ((error: SlowSubscriberError) => void) | undefined;
  /** Over HTTP: JSON texts the response writes as they are (large documents' content); none over a WebSocket. */
  readonly splices?: ResponseSplices | undefined;
}
