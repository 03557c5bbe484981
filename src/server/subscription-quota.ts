import { GraphQLError } from 'graphql';

export const TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS';

/**
 * Operations open at once on one WebSocket (subscriptions, and queries or mutations sent over it), so that one
 * socket cannot start replays without end. Counted from graphql-ws's own `ctx.subscriptions`: it adds an id before
 * `onSubscribe` runs and removes it however the operation ends (the client's `complete`, the server completing it,
 * an error, the socket closing), so the count cannot drift from what is really open.
 *
 * @returns the error that answers the newest operation (its id is already in `open`), or null when it may run.
 */
export function subscriptionRefusal(open: Readonly<Record<string, unknown>>, max: number): GraphQLError | null {
  if (Object.keys(open).length <= max) return null;
  return new GraphQLError(`too many operations open on this connection (at most ${max}): complete one before starting another`, {
    extensions: { code: TOO_MANY_SUBSCRIPTIONS, limit: max },
  });
}
