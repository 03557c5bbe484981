import type { CommitAction } from './commit-message.js';
import { isDocumentPath } from './document-path.js';
import { isEnvironmentName } from './environment.js';
import { InvalidInputError } from './errors.js';
import { untrustedJsonObject } from './untrusted-json.js';

/** A webhook as stored in the system repository (`webhooks/<id>.json`), secrets included. */
export interface WebhookDefinition {
  readonly id: string;
  readonly namespace: string;
  readonly url: string;
  /** Only commits changing a document under this prefix are delivered; null: every commit. */
  readonly pathPrefix: string | null;
  /** Only commits with one of these actions are delivered; null: every action. */
  readonly actions: readonly CommitAction[] | null;
  /**
   * The environments whose releases and rollout steps are delivered too (`config.released` events), by name, or
   * `*` for every environment; null: none.
   */
  readonly environments: readonly string[] | null;
  readonly enabled: boolean;
  /** Why it was disabled (by an admin, or by the endpoint answering 410 Gone). */
  readonly disabledReason: string | null;
  readonly secret: string;
  /** The secret before the last rotation: deliveries are signed with both until it expires. */
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: string | null;
  /** Deliveries begin after this commit: the namespace head when the webhook was created (null: from the first). */
  readonly startAfter: string | null;
  readonly createdAt: string;
  readonly createdBy: { readonly name: string; readonly email: string };
  readonly updatedAt: string;
}

const WEBHOOK_ID = /^wh_[0-9a-f]{24}$/;
// Actions of commits on main, the only ones a webhook sees (propose, approve and reject live on proposal branches).
const ACTIONS: readonly CommitAction[] = ['create', 'update', 'delete', 'rollback', 'revert', 'merge', 'import'];

/** Ids become file names and ref names, so nothing but the generated shape is accepted. */
export function validateWebhookId(id: string): string {
  if (!WEBHOOK_ID.test(id)) throw new InvalidInputError(`'${id}' is not a webhook id (wh_ and 24 hex digits)`);
  return id;
}

export function isWebhookId(id: string): boolean {
  return WEBHOOK_ID.test(id);
}

/**
 * The Standard Webhooks `webhook-id` of a commit: stable across retries and redeliveries. It names the namespace
 * too: a commit hash is unique within a repository only (two namespaces seeded the same way in the same second
 * have identical root commits), and a receiver deduplicating on the id must not drop the second one.
 */
export function webhookEventId(namespace: string, commitOid: string): string {
  return `${namespace}:${commitOid}`;
}

export interface CommitSummary {
  readonly action: CommitAction | null;
  readonly paths: readonly string[];
}

/** Whether a commit is delivered to this webhook; one that is not still moves its cursor. */
export function webhookMatches(definition: Pick<WebhookDefinition, 'pathPrefix' | 'actions'>, commit: CommitSummary): boolean {
  const { pathPrefix, actions } = definition;
  if (actions?.length && (commit.action === null || !actions.includes(commit.action))) return false;
  return !pathPrefix || commit.paths.some((p) => isDocumentPath(p) && p.startsWith(pathPrefix));
}

/** Every environment of the namespace, in a webhook's `environments`. */
export const EVERY_ENVIRONMENT = '*';

function isWebhookEnvironment(name: unknown): boolean {
  return typeof name === 'string' && (name === EVERY_ENVIRONMENT || isEnvironmentName(name));
}

/** The environments a webhook takes releases of, checked and sorted; null when none. */
export function validateWebhookEnvironments(names: readonly string[] | null | undefined): string[] | null {
  if (!names?.length) return null;
  for (const name of names) if (!isWebhookEnvironment(name)) throw new InvalidInputError(`'${name}' is not an environment name or '*'`);
  return names.includes(EVERY_ENVIRONMENT) ? [EVERY_ENVIRONMENT] : [...new Set(names)].sort();
}

export function encodeWebhookDefinition(definition: WebhookDefinition): string {
  return `${JSON.stringify(definition, null, 2)}\n`;
}

/** The stored JSON, checked field by field; null when it is not a webhook definition (edited by hand, damaged). */
export function decodeWebhookDefinition(text: string): WebhookDefinition | null {
  const v = untrustedJsonObject(text);
  if (!v) return null;
  const str = (key: string): string | null => (typeof v[key] === 'string' ? (v[key] as string) : null);
  const createdBy = v.createdBy as Record<string, unknown> | null | undefined;
  const actions = v.actions;
  const validActions = actions === null || (Array.isArray(actions) && actions.every((a) => ACTIONS.includes(a as CommitAction)));
  // Definitions written before releases were delivered have no environments: none.
  const environments = v.environments ?? null;
  const validEnvironments = environments === null || (Array.isArray(environments) && environments.every(isWebhookEnvironment));
  const id = str('id');
  const namespace = str('namespace');
  const url = str('url');
  const secret = str('secret');
  const createdAt = str('createdAt');
  if (!id || !isWebhookId(id) || !namespace || !url || !secret || !createdAt || typeof v.enabled !== 'boolean' || !validActions || !validEnvironments)
    return null;
  if (typeof createdBy?.name !== 'string' || typeof createdBy.email !== 'string') return null;
  return {
    id,
    namespace,
    url,
    pathPrefix: str('pathPrefix'),
    actions: actions as CommitAction[] | null,
    environments: environments as string[] | null,
    enabled: v.enabled,
    disabledReason: str('disabledReason'),
    secret,
    previousSecret: str('previousSecret'),
    previousSecretExpiresAt: str('previousSecretExpiresAt'),
    startAfter: str('startAfter'),
    createdAt,
    createdBy: { name: createdBy.name, email: createdBy.email },
    updatedAt: str('updatedAt') ?? createdAt,
  };
}
