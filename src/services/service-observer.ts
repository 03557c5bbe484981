import type { DeliveryOutcome, DeliveryTrigger } from '../domain/webhook-delivery.js';

/** One webhook delivery attempt as it ended, for monitoring. */
export interface DeliveryObservation {
  readonly webhookId: string;
  readonly namespace: string;
  /** The HTTP status; null when no response came (network error, timeout, refused address). */
  readonly statusCode: number | null;
  readonly outcome: DeliveryOutcome;
  readonly trigger: DeliveryTrigger;
  readonly latencyMs: number;
}

/**
 * What the use cases report for monitoring. The server implements it (Prometheus metrics); services only call it,
 * so they depend on no metrics library. Implementations must be cheap and must not throw.
 */
export interface ServiceObserver {
  /** A write to main (not a dry run) was refused with VersionConflict. */
  versionConflict(namespace: string): void;
  /** A webhook delivery attempt ended and was logged. */
  webhookDelivery(observation: DeliveryObservation): void;
}

export const NO_OBSERVER: ServiceObserver = {
  versionConflict: () => undefined,
  webhookDelivery: () => undefined,
};
