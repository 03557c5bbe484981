import { randomBytes } from 'node:crypto';
import { webhookRecordPath } from '../../domain/admin-log.js';
import type { CommitAction } from '../../domain/commit-message.js';
import { validatePathPrefix } from '../../domain/document-path.js';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import type { DeliveryAttempt } from '../../domain/webhook-delivery.js';
import { formatSecret } from '../../domain/webhook-signature.js';
import { type WebhookDefinition, validateWebhookEnvironments, validateWebhookId } from '../../domain/webhook.js';
import type { GitRepository } from '../../git/repository.js';
import { moveReleaseCursor, readWebhookCursor, removeWebhookCursor } from '../../git/webhook-cursor.js';
import { translatingGitFailures } from '../git-failure.js';
import { releaseLog } from '../release-log.js';
import { laterIn, webhookEnvironmentNames } from './release-stream.js';
import type { Actor } from '../actor.js';
import type { AdminLog } from '../admin-log.js';
import type { NamespaceAccess } from '../namespace-access.js';
import type { Page, PageArgs } from '../pagination.js';
import type { DeliveryLog } from './delivery-log.js';
import type { SsrfGuard } from './ssrf-guard.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import type { DefinitionChange, WebhookRegistry } from './webhook-registry.js';
import type { RedeliverOutcome } from './webhook-worker.js';

/** A webhook as the API shows it: the definition without its secrets, which are only ever returned on creation or rotation. */
export type WebhookView = Omit<WebhookDefinition, 'secret' | 'previousSecret'>;

export interface WebhookInput {
  readonly namespace: string;
  readonly url: string;
  readonly pathPrefix?: string | null;
  readonly actions?: readonly CommitAction[] | null;
  /** Environments whose releases are delivered too (`*`: all); absent or empty: none. */
  readonly environments?: readonly string[] | null;
  readonly enabled?: boolean | null;
  readonly comment?: string | null;
}

/** Absent (undefined) fields stay as they are; null clears pathPrefix, actions and environments. */
export interface WebhookPatch {
  readonly id: string;
  readonly url?: string | null;
  readonly pathPrefix?: string | null;
  readonly actions?: readonly CommitAction[] | null;
  readonly environments?: readonly string[] | null;
  readonly enabled?: boolean | null;
  readonly comment?: string | null;
}

export type WebhookStatus = 'active' | 'retrying' | 'failing' | 'disabled';

export interface WebhookState {
  readonly status: WebhookStatus;
  /** The last commit delivered or skipped by the filter (the cursor); null before the first. */
  readonly deliveredVersion: string | null;
  /** Commits of main after the cursor, matching or not. */
  readonly pendingVersions: number;
}

export interface Redelivery {
  readonly webhook: WebhookView;
  readonly version: string;
  readonly outcome: RedeliverOutcome;
}

/** How long a rotated-out secret keeps signing deliveries, so receivers can switch without a gap. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Webhook use cases, for namespace admins only: definitions in the registry (system repository), deliveries by
 * the dispatcher, attempts in the delivery log. Secrets are generated here and leave only through `create` and
 * `rotateSecret`.
 */
export class WebhookService {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly registry: WebhookRegistry,
    private readonly log: DeliveryLog,
    private readonly dispatcher: WebhookDispatcher,
    private readonly guard: SsrfGuard,
    private readonly clock: () => Date,
    private readonly adminLog: AdminLog,
  ) {}

  async list(actor: Actor, namespace: string): Promise<WebhookView[]> {
    const repo = await this.access.open(actor, namespace, 'admin');
    return (await this.registry.forNamespace(repo.name)).map(publicView);
  }

  async get(actor: Actor, id: string): Promise<WebhookView> {
    return publicView(await this.authorized(actor, id));
  }

  async create(actor: Actor, input: WebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const repo = await this.access.open(actor, input.namespace, 'admin');
    const url = (await this.guard.checkResolving(input.url)).url.href;
    const pathPrefix = input.pathPrefix ? validatePathPrefix(input.pathPrefix) : null;
    const environments = validateWebhookEnvironments(input.environments);
    await repo.syncIndex();
    const id = `wh_${randomBytes(12).toString('hex')}`;
    const secret = formatSecret(randomBytes(32));
    const now = this.clock().toISOString();
    const enabled = input.enabled ?? true;
    const definition: WebhookDefinition = {
      id,
      namespace: repo.name,
      url,
      pathPrefix,
      actions: normalizeActions(input.actions),
      environments,
      enabled,
      disabledReason: enabled ? null : `created disabled by ${actor.operator.email}`,
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      startAfter: repo.head()?.oid ?? null,
      createdAt: now,
      createdBy: { name: actor.operator.name, email: actor.operator.email },
      updatedAt: now,
    };
    // Before the definition exists: a worker started by it finds its cursors where releases are now.
    await this.startReleaseCursors(repo, id, environments, null);
    const change = this.change(actor, 'create', input.comment, `create webhook ${id} on ${repo.name}`);
    await this.registry.update(id, () => definition, change);
    await this.record(actor, definition.namespace, id, change.comment);
    await this.dispatcher.reload();
    return { webhook: publicView(definition), secret };
  }

  async update(actor: Actor, patch: WebhookPatch): Promise<WebhookView> {
    const before = await this.authorized(actor, patch.id);
    const url = patch.url ? (await this.guard.checkResolving(patch.url)).url.href : undefined;
    const pathPrefix = patch.pathPrefix === undefined ? undefined : patch.pathPrefix ? validatePathPrefix(patch.pathPrefix) : null;
    const environments = patch.environments === undefined ? undefined : validateWebhookEnvironments(patch.environments);
    if (environments !== undefined) {
      const repo = await this.access.open(actor, before.namespace, 'admin');
      await this.startReleaseCursors(repo, before.id, environments, before.environments);
    }
    const change = this.change(actor, 'update', patch.comment, `update webhook ${before.id} on ${before.namespace}`);
    const updated = await this.registry.update(
      before.id,
      (current) => {
        if (!current) throw new NotFoundError('webhook', before.id);
        const enabled = patch.enabled ?? current.enabled;
        const disabledReason = enabled ? null : patch.enabled === false ? `disabled by ${actor.operator.email}` : current.disabledReason;
        return {
          ...current,
          url: url ?? current.url,
          pathPrefix: pathPrefix === undefined ? current.pathPrefix : pathPrefix,
          actions: patch.actions === undefined ? current.actions : normalizeActions(patch.actions),
          environments: environments === undefined ? current.environments : environments,
          enabled,
          disabledReason,
          updatedAt: this.clock().toISOString(),
        };
      },
      change,
    );
    if (!updated) throw new NotFoundError('webhook', before.id);
    await this.record(actor, updated.namespace, updated.id, change.comment);
    // Answered once the worker has the new definition: the next commit goes out with it.
    await this.dispatcher.reload();
    return publicView(updated);
  }

  /** Removes the definition, then (its worker stopped) its cursor ref and delivery log. */
  async delete(actor: Actor, id: string, comment?: string | null): Promise<WebhookView> {
    const before = await this.authorized(actor, id);
    const change = this.change(actor, 'delete', comment, `delete webhook ${before.id} on ${before.namespace}`);
    await this.registry.update(before.id, () => null, change);
    await this.record(actor, before.namespace, before.id, change.comment);
    await this.dispatcher.reload();
    const repo = await this.access.store.get(before.namespace);
    if (repo) await removeWebhookCursor(repo, before.id);
    await this.log.remove(before.id);
    return publicView(before);
  }

  /** A new secret; the previous one keeps signing (as a second signature) for 24 hours. */
  async rotateSecret(actor: Actor, id: string): Promise<{ webhook: WebhookView; secret: string }> {
    const before = await this.authorized(actor, id);
    const secret = formatSecret(randomBytes(32));
    const now = this.clock();
    const change = this.change(actor, 'update', null, `rotate the secret of webhook ${before.id} on ${before.namespace}`);
    const updated = await this.registry.update(
      before.id,
      (current) => {
        if (!current) throw new NotFoundError('webhook', before.id);
        const previousSecretExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS).toISOString();
        return { ...current, secret, previousSecret: current.secret, previousSecretExpiresAt, updatedAt: now.toISOString() };
      },
      change,
    );
    if (!updated) throw new NotFoundError('webhook', before.id);
    await this.record(actor, updated.namespace, updated.id, change.comment);
    await this.dispatcher.reload();
    return { webhook: publicView(updated), secret };
  }

  /**
   * Sends an event again. The event being retried (or parked after its schedule ran out) starts a new round now;
   * an event already delivered is sent once more, out of order by nature. Later events are refused: they will be
   * delivered in order.
   */
  async redeliver(actor: Actor, webhookId: string, eventId: string): Promise<Redelivery> {
    const definition = await this.authorized(actor, webhookId);
    if (!definition.enabled) throw new InvalidInputError(`webhook ${definition.id} is disabled: enable it first`);
    const repo = await this.access.open(actor, definition.namespace, 'admin');
    const version = await this.eventVersion(repo, eventId);
    const outcome = await this.dispatcher.redeliver(definition.id, version);
    if (outcome === 'not-yet-due')
      throw new InvalidInputError(`${version} is not delivered yet: webhooks deliver in commit order, it comes after the event being delivered`);
    return { webhook: publicView(definition), version, outcome };
  }

  deliveries(webhook: WebhookView, args: PageArgs): Promise<Page<DeliveryAttempt>> {
    return this.log.page(webhook.id, args);
  }

  lastDelivery(webhook: WebhookView): Promise<DeliveryAttempt | null> {
    return this.log.last(webhook.id);
  }

  /** Where delivery stands, from durable facts only (cursor ref, index, log), so any replica can answer. */
  async state(webhook: WebhookView): Promise<WebhookState> {
    const repo = await this.access.store.get(webhook.namespace);
    const cursor = repo ? ((await readWebhookCursor(repo, webhook.id)) ?? webhook.startAfter) : null;
    const seq = cursor && repo ? (repo.mainCommit(cursor)?.seq ?? -1) : -1;
    const pendingVersions = repo ? Math.max(0, repo.versionCount() - 1 - seq) : 0;
    const last = await this.log.lastInOrder(webhook.id);
    // An attempt for a commit the cursor already passed is history, whatever its outcome.
    const current = last && (repo?.mainCommit(last.version)?.seq ?? -1) > seq ? last : null;
    let status: WebhookStatus = 'active';
    if (!webhook.enabled) status = 'disabled';
    else if (current?.outcome === 'retrying') status = 'retrying';
    else if (current?.outcome === 'failed') status = 'failing';
    return { status, deliveredVersion: cursor, pendingVersions };
  }

  private async authorized(actor: Actor, id: string): Promise<WebhookDefinition> {
    const definition = await this.registry.get(validateWebhookId(id));
    if (!definition) throw new NotFoundError('webhook', id);
    this.access.authorize(actor, definition.namespace, 'admin');
    return definition;
  }

  /**
   * `<namespace>:<hash>` (the webhook-id) or any version of the namespace: a commit of main, or of a release branch
   * (the dispatcher finds which of the webhook's streams it belongs to).
   */
  private async eventVersion(repo: GitRepository, eventId: string): Promise<string> {
    const colon = eventId.lastIndexOf(':');
    if (colon >= 0 && eventId.slice(0, colon) !== repo.name) throw new InvalidInputError(`event ${eventId} is not from namespace ${repo.name}`);
    const ref = colon >= 0 ? eventId.slice(colon + 1) : eventId;
    await repo.syncIndex();
    return repo.resolve(ref);
  }

  /**
   * A webhook takes an environment's releases from now on: its cursor is put at the environment's newest commit
   * (one without releases yet is delivered from its first). Environments it took already keep their cursors.
   */
  private async startReleaseCursors(
    repo: GitRepository,
    webhookId: string,
    environments: readonly string[] | null,
    before: readonly string[] | null,
  ): Promise<void> {
    const names = await webhookEnvironmentNames(repo, environments).catch((error: unknown) => {
      throw new InvalidInputError(`the environments of ${repo.name} do not read (${(error as Error).message}): name them instead of '*'`);
    });
    const kept = new Set(await webhookEnvironmentNames(repo, before).catch(() => []));
    for (const name of names.filter((n) => !kept.has(n))) {
      const log = await releaseLog(repo, name, Number.POSITIVE_INFINITY);
      const tip = log[0];
      if (tip) await translatingGitFailures(moveReleaseCursor(repo, webhookId, name, tip.oid, laterIn(log), true));
    }
  }

  /**
   * The change on the namespace's admin log, after the definition (the system repository is where webhooks live;
   * the log is where the namespace's people read who changed them).
   */
  private async record(actor: Actor, namespace: string, id: string, comment: string): Promise<void> {
    await recordWebhookChange(this.adminLog, this.registry, actor, namespace, id, comment);
  }

  private change(actor: Actor, action: CommitAction, comment: string | null | undefined, fallback: string): DefinitionChange {
    return { action, author: actor.operator, operatorIp: actor.ip, comment: comment?.trim() || fallback };
  }
}

export function publicView(definition: WebhookDefinition): WebhookView {
  const { secret: _secret, previousSecret: _previous, ...view } = definition;
  return view;
}

function normalizeActions(actions: readonly CommitAction[] | null | undefined): CommitAction[] | null {
  return actions?.length ? [...new Set(actions)].sort() : null;
}

/** Records a webhook's change on its namespace's admin log, with the definition as it is when recorded. */
export async function recordWebhookChange(
  adminLog: AdminLog,
  registry: WebhookRegistry,
  actor: Actor,
  namespace: string,
  id: string,
  comment: string,
): Promise<void> {
  await adminLog.record(actor, namespace, 'admin', {
    action: 'webhook',
    path: webhookRecordPath(id),
    content: async () => {
      const definition = await registry.get(id);
      return definition ? webhookRecord(definition) : null;
    },
    comment,
  });
}

/**
 * What the admin log keeps of a definition: what it delivers and to which site. Viewers read the log, so never the
 * secrets, nor the URL's path and query: many endpoints carry their credential there (a Slack webhook's path).
 */
function webhookRecord(d: WebhookDefinition): string {
  const { pathPrefix, actions, environments, enabled, disabledReason } = d;
  return `${JSON.stringify({ site: new URL(d.url).origin, pathPrefix, actions, environments, enabled, disabledReason }, null, 2)}\n`;
}
