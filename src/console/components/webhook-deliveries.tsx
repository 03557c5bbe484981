import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { formatTime } from '../format.js';
import type { ResultOf } from '../graphql.js';
import { REDELIVER, WEBHOOK_DELIVERIES } from '../queries.js';
import { useLoad } from '../use-query.js';

type Hook = Extract<NonNullable<ResultOf<typeof WEBHOOK_DELIVERIES>['webhook']>, { __typename: 'Webhook' }>;
type Delivery = NonNullable<NonNullable<NonNullable<NonNullable<Hook['deliveries']>['edges']>[number]>['node']>;

/** Attempts shown: the server keeps the newest CAIRN_WEBHOOK_LOG_SIZE; a page of them is what a person reads. */
const SHOWN = 50;

/**
 * One webhook's delivery attempts, newest first, with Redeliver on each event's newest attempt: the event is sent
 * again with the same webhook-id. Read again whenever `tick` changes (the page polls: deliveries are not in the feed).
 */
export function WebhookDeliveries({ api, id, tick }: { api: Api; id: string; tick: number }) {
  const [asked, setAsked] = useState(0);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const loaded = useLoad(async () => {
    const hook = (await api.request(WEBHOOK_DELIVERIES, { id, first: SHOWN })).webhook;
    if (hook?.__typename !== 'Webhook') throw new Error(hook && 'message' in hook ? (hook.message ?? 'unavailable') : 'Webhook not found');
    return (hook.deliveries?.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
  }, [api, id, tick, asked]);
  const redeliver = async (eventId: string): Promise<void> => {
    try {
      const result = (await api.request(REDELIVER, { webhookId: id, eventId })).redeliver;
      setNotice(
        result?.__typename === 'RedeliverPayload'
          ? { ok: true, text: `${eventId}: ${result.redelivery === 'RESTARTED' ? 'a new round of attempts started' : 'queued to be sent again'}.` }
          : { ok: false, text: result && 'message' in result ? (result.message ?? 'refused') : 'refused' },
      );
    } catch (error) {
      setNotice({ ok: false, text: (error as Error).message });
    }
    setAsked((n) => n + 1);
  };
  if (loaded.state === 'loading') return <p class="muted small">Loading deliveries…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error">{loaded.error.message}</p>;
  const deliveries = loaded.data;
  const newest = new Set<Delivery>();
  const seen = new Set<string>();
  for (const d of deliveries)
    if (d.eventId && !seen.has(d.eventId)) {
      seen.add(d.eventId);
      newest.add(d);
    }
  return (
    <div data-testid="webhook-deliveries">
      {notice && (
        <p class={`alert ${notice.ok ? 'alert-ok' : 'alert-error'} small`} role="status">
          {notice.text}
        </p>
      )}
      {!deliveries.length ? (
        <p class="muted small">No delivery yet: the next commit (or release it subscribes to) is delivered.</p>
      ) : (
        <table class="audit">
          <thead>
            <tr>
              <th>Time</th>
              <th>Event</th>
              <th>Trigger</th>
              <th>Attempt</th>
              <th>Outcome</th>
              <th>Response</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d, i) => (
              <tr key={`${d.eventId}-${d.time}-${i}`} data-event={d.eventId} data-outcome={d.outcome} data-trigger={d.trigger}>
                <td class="nowrap">{formatTime(d.time)}</td>
                <td>
                  <span class="hash">{d.version?.slice(0, 7)}</span>
                </td>
                <td>{d.trigger?.toLowerCase()}</td>
                <td>{d.attempt}</td>
                <td>
                  <span class={`badge delivery-${d.outcome?.toLowerCase()}`}>{d.outcome?.toLowerCase()}</span>
                  {d.nextAttemptAt && <div class="muted small">next {formatTime(d.nextAttemptAt)}</div>}
                </td>
                <td>
                  {d.statusCode ?? <span class="muted">no response</span>}
                  {d.latencyMs !== null && d.latencyMs !== undefined && <span class="muted small"> · {d.latencyMs} ms</span>}
                  {d.error && <div class="muted small">{d.error}</div>}
                </td>
                <td>
                  {newest.has(d) && d.eventId && (
                    <button class="button small" type="button" onClick={() => void redeliver(d.eventId ?? '')}>
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
