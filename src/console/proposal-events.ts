import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import { type ResultOf, documentText } from './graphql.js';
import { PROPOSAL_EVENTS } from './queries.js';

/**
 * Grows with every change-request event of the namespace (proposed, approved, rejected, merged) on the
 * `proposalEvents` subscription, over the session's graphql-ws connection: the list reloads without a refresh.
 * Events are hints to re-read `proposals`, so a missed one (a reconnect) costs at most a stale line until the next.
 */
export function useProposalEvents(api: Api, ns: string): number {
  const [revision, setRevision] = useState(0);
  useEffect(() => {
    const bump = (): void => setRevision((r) => r + 1);
    // Reconnected: whatever happened meanwhile is read again.
    const offConnected = api.sockets.on('connected', bump);
    const unsubscribe = api.sockets.subscribe<ResultOf<typeof PROPOSAL_EVENTS>>(
      { query: documentText(PROPOSAL_EVENTS), variables: { ns } },
      { next: bump, error: () => undefined, complete: () => undefined },
    );
    return () => {
      unsubscribe();
      offConnected();
    };
  }, [api, ns]);
  return revision;
}
