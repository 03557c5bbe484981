import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.js';
import { ActionBadge, Hash, Time } from './components/badges.js';
import { ValueChangesToggle } from './components/version-changes.js';
import { CHANGES, HEAD } from './queries.js';
import { type ResultOf, documentText } from './graphql.js';
import { href } from './route.js';

export type ChangeEvent = NonNullable<ResultOf<typeof CHANGES>['changes']>;

export interface Feed {
  readonly events: readonly ChangeEvent[];
  readonly status: 'connecting' | 'live' | 'reconnecting' | 'failed';
  readonly error: string | null;
  /** Grows with every event: views that depend on the namespace reload when it changes. */
  readonly revision: number;
}

const KEPT_EVENTS = 50;
/** Ids remembered to drop what a resubscription replays; far more than a reconnect replays in practice. */
const REMEMBERED_IDS = 5_000;

/**
 * The namespace's change feed over graphql-ws, from the head it had when the console opened it: `since` makes the
 * server replay anything committed between that read and the subscription, so nothing is missed. When the socket
 * drops (a server restart), the console subscribes again from the last version it received, so the server replays
 * only what the console missed; anything replayed twice is still shown once (ids are commit hashes).
 */
export function useChangeFeed(api: Api, ns: string | null): Feed {
  const [feed, setFeed] = useState<Feed>({ events: [], status: 'connecting', error: null, revision: 0 });
  const seen = useRef(new Set<string>());
  // Whether the shared socket is open: a namespace picked while it is starts live, with no 'connected' to wait for.
  const socketOpen = useRef(false);
  useEffect(() => {
    const offConnected = api.sockets.on('connected', () => void (socketOpen.current = true));
    const offClosed = api.sockets.on('closed', () => void (socketOpen.current = false));
    return () => {
      offConnected();
      offClosed();
    };
  }, [api]);
  useEffect(() => {
    setFeed((f) => ({ ...f, events: [], error: null, status: socketOpen.current ? 'live' : 'connecting' }));
    seen.current = new Set();
    if (!ns) return;
    let unsubscribe: (() => void) | null = null;
    let cancelled = false;
    // The server refused this subscription (an unknown namespace, a missing grant): it stays refused, and the
    // socket's own comings and goings (closed once idle, reopened for another view) say nothing about it.
    let refused = false;
    const fail = (message: string): void => {
      refused = true;
      setFeed((f) => ({ ...f, status: 'failed', error: message }));
    };
    const offConnected = api.sockets.on('connected', () => !refused && setFeed((f) => ({ ...f, status: 'live', error: null })));
    // The newest version received: where a new subscription resumes.
    let last: string | undefined;
    let resubscribe: ReturnType<typeof setTimeout> | undefined;
    const offClosed = api.sockets.on('closed', (event) => {
      // 4403: the token is refused, and the console signs out (api.ts).
      if (refused || cancelled || (event as { code?: number } | null)?.code === 4403) return;
      setFeed((f) => ({ ...f, status: 'reconnecting' }));
      if (!unsubscribe) return;
      // graphql-ws would subscribe again with the variables it has (the first head); after this close event has
      // run its course (the client resets its connection state after its listeners), subscribe from `last`.
      unsubscribe();
      unsubscribe = null;
      clearTimeout(resubscribe);
      resubscribe = setTimeout(() => !cancelled && !refused && subscribe(last), 0);
    });
    const receive = (event: ChangeEvent): void => {
      const id = event.id ?? '';
      if (seen.current.has(id)) return;
      last = event.version ?? last;
      if (seen.current.size >= REMEMBERED_IDS) seen.current = new Set([...seen.current].slice(REMEMBERED_IDS / 2));
      seen.current.add(id);
      setFeed((f) => ({ ...f, events: [event, ...f.events].slice(0, KEPT_EVENTS), revision: f.revision + 1 }));
    };
    const subscribe = (since: string | undefined): void => {
      unsubscribe = api.sockets.subscribe<ResultOf<typeof CHANGES>>(
        { query: documentText(CHANGES), variables: { ns, since } },
        {
          next: (result) => {
            if (result.data?.changes) receive(result.data.changes);
            if (result.errors?.length) fail(result.errors[0]?.message ?? 'error');
          },
          error: (error) => fail(error instanceof Error ? error.message : 'connection failed'),
          complete: () => undefined,
        },
      );
    };
    void readHead(
      api,
      ns,
      () => cancelled,
      () => setFeed((f) => ({ ...f, status: 'reconnecting' })),
    ).then(
      (since) => {
        if (cancelled) return;
        last = since;
        subscribe(since);
      },
      (error: unknown) => !cancelled && fail((error as Error).message),
    );
    return () => {
      cancelled = true;
      clearTimeout(resubscribe);
      unsubscribe?.();
      offConnected();
      offClosed();
    };
  }, [api, ns]);
  return feed;
}

const HEAD_RETRY_MS = 2_000;

/**
 * The head to subscribe from, read again while the server cannot be reached (a namespace picked during a restart);
 * a refused token or a GraphQL error ends it. undefined: the namespace has no commit yet, or is unknown (the
 * subscription then says why).
 */
async function readHead(api: Api, ns: string, cancelled: () => boolean, onRetry: () => void): Promise<string | undefined> {
  for (;;) {
    try {
      const result = await api.request(HEAD, { ns });
      return result.namespace?.__typename === 'Namespace' ? (result.namespace.head?.hash ?? undefined) : undefined;
    } catch (error) {
      if (!(error instanceof TypeError) || cancelled()) throw error;
      onRetry();
      await new Promise((resolve) => setTimeout(resolve, HEAD_RETRY_MS));
      if (cancelled()) throw error;
    }
  }
}

const STATUS_LABEL: Record<Feed['status'], string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', failed: 'Disconnected' };

export function LiveFeed({ api, feed, ns }: { api: Api; feed: Feed; ns: string }) {
  return (
    <aside class="feed" aria-label="Live feed">
      <div class="feed-header">
        <h2>Live feed</h2>
        <span class={`status status-${feed.status}`} data-status={feed.status}>
          <span class="dot" /> {STATUS_LABEL[feed.status]}
        </span>
      </div>
      {feed.error && <p class="alert alert-error small">{feed.error}</p>}
      {!feed.events.length && <p class="muted small feed-empty">Changes to {ns} appear here as they are committed, without reloading.</p>}
      <ol class="feed-list">
        {feed.events.map((event) => (
          <li key={event.id} class="feed-item" data-version={event.version}>
            <div class="feed-line">
              <ActionBadge action={event.action} />
              <Hash value={event.version?.slice(0, 7)} />
              <span class="spacer" />
              <Time iso={event.time} />
            </div>
            <div class="feed-comment">{event.comment || <span class="muted">no comment</span>}</div>
            <div class="muted small">{event.operator?.name ?? event.operator?.email}</div>
            <ul class="feed-docs">
              {(event.documents ?? []).map((doc) => (
                <li key={doc.path}>
                  <a href={href(ns, { doc: doc.path ?? '' })}>{doc.path}</a> <span class="muted small">{doc.status?.toLowerCase()}</span>
                </li>
              ))}
            </ul>
            {event.version && <ValueChangesToggle api={api} ns={ns} hash={event.version} />}
          </li>
        ))}
      </ol>
    </aside>
  );
}
