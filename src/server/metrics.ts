import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IndexedCommit } from '../git/commit-index.js';
import type { AppendOrigin } from '../git/repository.js';
import type { DeliveryObservation, ServiceObserver } from '../services/service-observer.js';
import { BoundedLabel } from './bounded-label.js';

export type OperationType = 'query' | 'mutation' | 'subscription';
/** How a subscription reached the server: graphql-ws, or an HTTP response stream (SSE). */
export type SubscriptionTransport = 'ws' | 'sse';
export type HttpRoute = 'graphql' | 'api' | 'healthz' | 'readyz' | 'metrics' | 'console' | 'other';

/** Label values that are never GraphQL names (those cannot contain parentheses), so no client name collides. */
export const ANONYMOUS_OPERATION = '(anonymous)';
export const OTHER_OPERATION = '(other)';

export interface MetricsOptions {
  /** Distinct operation names kept as labels; later new names count as `(other)`. */
  readonly maxOperationNames: number;
  /** Commits in each namespace's index, read on every scrape. */
  readonly indexSizes: () => ReadonlyMap<string, number>;
  readonly ready: () => boolean;
}

/** Longer operation names count as `(other)`: a label value is not a place for a document. */
const MAX_OPERATION_NAME_LENGTH = 100;
const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);

/**
 * Cairn's Prometheus metrics, in a registry of its own: several servers in one process (tests) never share a
 * series. Every label has a bounded set of values: operation names are capped, namespaces exist on the server,
 * codes and type names come from the schema.
 */
export class CairnMetrics implements ServiceObserver {
  readonly registry = new Registry();
  private readonly operationNames: BoundedLabel;
  private readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly operationSeconds: Histogram<'operation' | 'type'>;
  private readonly subscriptions: Gauge<'transport'>;
  private readonly commits: Counter<'namespace' | 'action' | 'origin'>;
  private readonly conflicts: Counter<'namespace'>;
  private readonly deliveries: Counter<'namespace' | 'status' | 'outcome'>;
  private readonly deliverySeconds: Histogram<'outcome'>;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly eventExecutions: Counter;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.operationNames = new BoundedLabel(options.maxOperationNames, OTHER_OPERATION);
    this.operations = new Counter({
      name: 'cairn_graphql_operations_total',
      help: 'GraphQL operations by name, type and outcome: ok, an error code, or the type of the typed failure a root field returned (VersionConflict, NotFound, ...). Subscriptions count when they start.',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.operationSeconds = new Histogram({
      name: 'cairn_graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL queries and mutations.',
      labelNames: ['operation', 'type'],
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'cairn_graphql_subscriptions_active',
      help: 'Subscriptions open now, by transport (ws: graphql-ws, sse: HTTP).',
      labelNames: ['transport'],
      registers,
    });
    for (const transport of ['ws', 'sse'] as const) this.subscriptions.set({ transport }, 0);
    this.commits = new Counter({
      name: 'cairn_commits_total',
      help: 'Commits added to main, by namespace, action (Cairn-Action trailer; external: none) and origin (commit: made by this process; sync: learnt from disk, the git CLI or another replica).',
      labelNames: ['namespace', 'action', 'origin'],
      registers,
    });
    this.conflicts = new Counter({
      name: 'cairn_version_conflicts_total',
      help: 'Writes to main refused with VersionConflict (dry runs aside).',
      labelNames: ['namespace'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'cairn_webhook_deliveries_total',
      help: 'Webhook delivery attempts by namespace, HTTP status (none: no response) and outcome (delivered, retrying, failed, disabled).',
      labelNames: ['namespace', 'status', 'outcome'],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'cairn_webhook_delivery_duration_seconds',
      help: 'Duration of webhook delivery attempts.',
      labelNames: ['outcome'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'cairn_http_requests_total',
      help: 'HTTP requests (WebSocket upgrades aside) by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.eventExecutions = new Counter({
      name: 'cairn_graphql_subscription_event_executions_total',
      help: 'Change events executed against a subscription operation: once per event and distinct operation (query text, operation name, variables), however many subscribers share it.',
      registers,
    });
    const indexCommits = new Gauge({
      name: 'cairn_index_commits',
      help: "Commits in each namespace's commit index (main's first-parent history), read at scrape time.",
      labelNames: ['namespace'],
      registers,
      collect() {
        indexCommits.reset();
        for (const [namespace, size] of options.indexSizes()) indexCommits.set({ namespace }, size);
      },
    });
    const ready = new Gauge({
      name: 'cairn_ready',
      help: '1 when /readyz answers 200 (services started, not shutting down), else 0.',
      registers,
      collect() {
        ready.set(options.ready() ? 1 : 0);
      },
    });
  }

  /** The label value for a client's operation name (null: anonymous). */
  operationLabel(name: string | null): string {
    if (name === null) return ANONYMOUS_OPERATION;
    return name.length > MAX_OPERATION_NAME_LENGTH ? OTHER_OPERATION : this.operationNames.valueOf(name);
  }

  operation(operation: string, type: OperationType, outcome: string, seconds?: number): void {
    this.operations.inc({ operation, type, outcome });
    if (seconds !== undefined) this.operationSeconds.observe({ operation, type }, seconds);
  }

  eventExecuted(): void {
    this.eventExecutions.inc();
  }

  subscriptionOpened(transport: SubscriptionTransport): void {
    this.subscriptions.inc({ transport });
  }

  subscriptionClosed(transport: SubscriptionTransport): void {
    this.subscriptions.dec({ transport });
  }

  commitsAppended(namespace: string, commits: readonly IndexedCommit[], origin: AppendOrigin): void {
    for (const commit of commits) this.commits.inc({ namespace, action: commit.trailers?.action ?? 'external', origin });
  }

  versionConflict(namespace: string): void {
    this.conflicts.inc({ namespace });
  }

  webhookDelivery(observation: DeliveryObservation): void {
    const status = observation.statusCode === null ? 'none' : String(observation.statusCode);
    this.deliveries.inc({ namespace: observation.namespace, status, outcome: observation.outcome });
    this.deliverySeconds.observe({ outcome: observation.outcome }, observation.latencyMs / 1000);
  }

  httpRequest(route: HttpRoute, method: string | undefined, status: number): void {
    this.httpRequests.inc({ route, method: method && METHODS.has(method) ? method : 'other', status: String(status) });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
