/**
 * A failure after the stream started (a subscriber that fell too far behind, a storage error during a replay)
 * becomes the stream's last item and is thrown by the field's resolver: clients then get it as an ordinary GraphQL
 * error, typed and masked like any other (`next` with `errors`, then `complete`), over graphql-ws and SSE alike.
 * Thrown from the iterator instead, SSE would just abort the response and graphql-ws would send it unmasked.
 */
export function endingWithError<T>(events: AsyncIterableIterator<T>): AsyncIterableIterator<T | Error> {
  let ended = false;
  const done = (): IteratorResult<T | Error> => ({ done: true, value: undefined });
  // Not a generator: one that was never started ignores return(), and `events` would never be closed.
  const iterator: AsyncIterableIterator<T | Error> = {
    // A plain promise chain, not an async function with its own promise: this runs once per subscriber and event.
    next() {
      if (ended) return Promise.resolve(done());
      return events.next().catch((error: unknown): IteratorResult<T | Error> => {
        ended = true;
        // The stream ends here: nobody calls return() after a stream that completed, so the source is closed now.
        void events.return?.();
        return { done: false, value: error instanceof Error ? error : new Error(String(error)) };
      });
    },
    async return() {
      ended = true;
      await events.return?.();
      return done();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
