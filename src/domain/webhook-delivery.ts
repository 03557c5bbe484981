/** One attempt to deliver an event to a webhook, as the delivery log keeps it. */
export interface DeliveryAttempt {
  /** Position in this webhook's log, increasing; the pagination cursor. */
  readonly seq: number;
  /** The `webhook-id` sent. */
  readonly eventId: string;
  /** The commit delivered. */
  readonly version: string;
  /** 1-based within its round: a redelivery or a new round after the schedule ran out starts at 1 again. */
  readonly attempt: number;
  /** `event`: in-order delivery from the cursor; `redeliver`: a one-off resend asked for by an admin. */
  readonly trigger: DeliveryTrigger;
  /** When the attempt started (ISO 8601). */
  readonly at: string;
  /** The HTTP status, null when no response came (network error, timeout, refused address). */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly outcome: DeliveryOutcome;
  /** When the next attempt is due, for `retrying`. */
  readonly nextAttemptAt: string | null;
}

export type DeliveryTrigger = 'event' | 'redeliver';

/**
 * `delivered`: 2xx. `retrying`: failed, another attempt is scheduled. `failed`: failed and the schedule ran out
 * (or a one-off redelivery failed). `disabled`: the endpoint answered 410 Gone and the webhook was disabled.
 */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'disabled';

/** How a response counts: 2xx delivers, 410 Gone disables the endpoint, anything else (3xx included) fails. */
export function responseVerdict(statusCode: number | null): 'delivered' | 'gone' | 'failed' {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return 'delivered';
  return statusCode === 410 ? 'gone' : 'failed';
}

const OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'retrying', 'failed', 'disabled'];

export function encodeDeliveryAttempt(attempt: DeliveryAttempt): string {
  return JSON.stringify(attempt);
}

/** A log line, or null when it is damaged (a torn last line after a crash). */
export function decodeDeliveryAttempt(line: string): DeliveryAttempt | null {
  try {
    const v = JSON.parse(line) as Partial<DeliveryAttempt> | null;
    if (!v || typeof v.seq !== 'number' || typeof v.eventId !== 'string' || typeof v.version !== 'string' || typeof v.attempt !== 'number') return null;
    if (typeof v.at !== 'string' || !OUTCOMES.includes(v.outcome as DeliveryOutcome) || (v.trigger !== 'event' && v.trigger !== 'redeliver')) return null;
    return {
      seq: v.seq,
      eventId: v.eventId,
      version: v.version,
      attempt: v.attempt,
      trigger: v.trigger,
      at: v.at,
      statusCode: typeof v.statusCode === 'number' ? v.statusCode : null,
      latencyMs: typeof v.latencyMs === 'number' ? v.latencyMs : 0,
      error: typeof v.error === 'string' ? v.error : null,
      outcome: v.outcome as DeliveryOutcome,
      nextAttemptAt: typeof v.nextAttemptAt === 'string' ? v.nextAttemptAt : null,
    };
  } catch {
    return null;
  }
}
