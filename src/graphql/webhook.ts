import type { CommitAction } from '../domain/commit-message.js';
import type { DeliveryAttempt } from '../domain/webhook-delivery.js';
import type { WebhookView } from '../services/webhooks/webhook-service.js';
import type { RedeliverOutcome } from '../services/webhooks/webhook-worker.js';
import { builder } from './builder.js';
import { WEBHOOK_ERRORS } from './errors.js';
import { CommitActionEnum, PersonRef } from './version.js';

const WebhookStatusEnum = builder.enumType('WebhookStatus', {
  values: {
    ACTIVE: { value: 'active', description: 'Delivering; the last attempt of an in-order event succeeded (or none was needed yet).' },
    RETRYING: { value: 'retrying', description: 'The last attempt failed; another is scheduled (see lastDelivery.nextAttemptAt).' },
    FAILING: {
      value: 'failing',
      description: 'Every attempt of the retry schedule failed: waiting for a new commit, `redeliver` or an update, and never skipping the event.',
    },
    DISABLED: { value: 'disabled', description: 'Disabled by an admin, or because the endpoint answered 410 Gone (see disabledReason).' },
  } as const,
});

const DeliveryOutcomeEnum = builder.enumType('WebhookDeliveryOutcome', {
  values: {
    DELIVERED: { value: 'delivered', description: 'The endpoint answered 2xx.' },
    RETRYING: { value: 'retrying', description: 'Failed; another attempt is scheduled at nextAttemptAt.' },
    FAILED: { value: 'failed', description: 'Failed, and it was the last attempt of its round.' },
    DISABLED: { value: 'disabled', description: 'The endpoint answered 410 Gone: the webhook was disabled.' },
  } as const,
});

const DeliveryTriggerEnum = builder.enumType('WebhookDeliveryTrigger', {
  values: {
    EVENT: { value: 'event', description: 'In-order delivery after the cursor.' },
    REDELIVER: { value: 'redeliver', description: 'A one-off resend of an already delivered event, asked for with `redeliver`.' },
  } as const,
});

const RedeliveryEnum = builder.enumType('Redelivery', {
  values: {
    RESTARTED: { value: 'restarted', description: 'It was the event being delivered: a new round of attempts starts now.' },
    QUEUED: { value: 'queued', description: 'It was already delivered: it is sent once more, before the next in-order attempt.' },
  } as const,
});

const WebhookDeliveryRef = builder.objectRef<DeliveryAttempt>('WebhookDelivery').implement({
  description: 'One delivery attempt.',
  fields: (t) => ({
    eventId: t.exposeString('eventId', { description: 'The webhook-id header sent: `<namespace>:<version>`, the same for every attempt.' }),
    version: t.exposeString('version'),
    attempt: t.exposeInt('attempt', { description: '1-based within its round of attempts.' }),
    trigger: t.field({ type: DeliveryTriggerEnum, resolve: (d) => d.trigger }),
    time: t.field({ type: 'DateTime', description: 'When the attempt started.', resolve: (d) => new Date(d.at) }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'null when no response came (network error, timeout, refused address).' }),
    latencyMs: t.exposeInt('latencyMs'),
    error: t.exposeString('error', { nullable: true }),
    outcome: t.field({ type: DeliveryOutcomeEnum, resolve: (d) => d.outcome }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => (d.nextAttemptAt ? new Date(d.nextAttemptAt) : null) }),
  }),
});

export const WebhookRef = builder.objectRef<WebhookView>('Webhook').implement({
  description: "Signed HTTP deliveries of a namespace's commits (Standard Webhooks). The secret is never shown after creation or rotation.",
  fields: (t) => ({
    id: t.exposeString('id'),
    namespace: t.exposeString('namespace'),
    url: t.exposeString('url'),
    pathPrefix: t.exposeString('pathPrefix', { nullable: true }),
    actions: t.field({ type: [CommitActionEnum], nullable: true, resolve: (w) => (w.actions ? [...w.actions] : null) }),
    environments: t.stringList({
      nullable: true,
      description: "The environments whose releases and rollout steps it delivers too ('*': all); null: none.",
      resolve: (w) => (w.environments ? [...w.environments] : null),
    }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (w) => new Date(w.createdAt) }),
    createdBy: t.field({ type: PersonRef, resolve: (w) => w.createdBy }),
    updatedAt: t.field({ type: 'DateTime', resolve: (w) => new Date(w.updatedAt) }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation, deliveries carry a second signature with the previous secret until then.',
      resolve: (w) => (w.previousSecretExpiresAt && Date.parse(w.previousSecretExpiresAt) > Date.now() ? new Date(w.previousSecretExpiresAt) : null),
    }),
    status: t.field({ type: WebhookStatusEnum, resolve: async (w, _args, ctx) => (await ctx.cairn.webhooks.state(w)).status }),
    deliveredVersion: t.string({
      nullable: true,
      description: 'The cursor: the last commit delivered (or skipped by the filter). Delivery resumes after it.',
      resolve: async (w, _args, ctx) => (await ctx.cairn.webhooks.state(w)).deliveredVersion,
    }),
    pendingVersions: t.int({
      description: 'Commits after the cursor, matching the filter or not.',
      resolve: async (w, _args, ctx) => (await ctx.cairn.webhooks.state(w)).pendingVersions,
    }),
    lastDelivery: t.field({ type: WebhookDeliveryRef, nullable: true, resolve: (w, _args, ctx) => ctx.cairn.webhooks.lastDelivery(w) }),
    deliveries: t.connection({
      type: WebhookDeliveryRef,
      description: 'Delivery attempts, newest first (the newest CAIRN_WEBHOOK_LOG_SIZE are kept).',
      resolve: (w, args, ctx) => ctx.cairn.webhooks.deliveries(w, args),
    }),
  }),
});

interface SecretPayload {
  readonly webhook: WebhookView;
  readonly secret: string;
}

const WebhookSecretPayloadRef = builder.objectRef<SecretPayload>('WebhookSecretPayload').implement({
  description: 'The only place a webhook secret is ever shown: keep it now.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (p) => p.webhook }),
    secret: t.exposeString('secret', { description: '`whsec_` + base64 of 32 random bytes; verify `webhook-signature` with it.' }),
  }),
});

const DeletedWebhookRef = builder.objectRef<WebhookView>('DeletedWebhook').implement({
  fields: (t) => ({ id: t.exposeString('id'), namespace: t.exposeString('namespace'), url: t.exposeString('url') }),
});

interface RedeliverPayload {
  readonly webhook: WebhookView;
  readonly version: string;
  readonly outcome: RedeliverOutcome;
}

const RedeliverPayloadRef = builder.objectRef<RedeliverPayload>('RedeliverPayload').implement({
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (p) => p.webhook }),
    version: t.exposeString('version'),
    eventId: t.string({ resolve: (p) => `${p.webhook.namespace}:${p.version}` }),
    redelivery: t.field({ type: RedeliveryEnum, resolve: (p) => (p.outcome === 'restarted' ? 'restarted' : 'queued') }),
  }),
});

const pathPrefixDoc = 'Only commits changing a document under this prefix are delivered.';
const actionsDoc = 'Only commits with one of these actions are delivered; empty or absent: all.';
const environmentsDoc =
  "Also deliver these environments' releases and rollout steps (type config.released), from now on; '*': every environment. Empty or absent: none.";

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    url: t.string({ required: true, description: 'http(s); refused when it names or resolves to a loopback, private, link-local or metadata address.' }),
    pathPrefix: t.string({ required: false, description: pathPrefixDoc }),
    actions: t.field({ type: [CommitActionEnum], required: false, description: actionsDoc }),
    environments: t.stringList({ required: false, description: environmentsDoc }),
    enabled: t.boolean({ required: false, defaultValue: true }),
    comment: t.string({ required: false, description: 'The message of the commit that records the webhook.' }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Absent fields are left as they are; pathPrefix, actions or environments set to null are cleared.',
  fields: (t) => ({
    id: t.string({ required: true }),
    url: t.string({ required: false }),
    pathPrefix: t.string({ required: false, description: pathPrefixDoc }),
    actions: t.field({ type: [CommitActionEnum], required: false, description: actionsDoc }),
    environments: t.stringList({ required: false, description: environmentsDoc }),
    enabled: t.boolean({ required: false, description: 'Re-enabling resumes after the cursor: nothing committed meanwhile is skipped.' }),
    comment: t.string({ required: false }),
  }),
});

const WebhookIdInput = builder.inputType('WebhookIdInput', {
  fields: (t) => ({ id: t.string({ required: true }), comment: t.string({ required: false }) }),
});

const RedeliverInput = builder.inputType('RedeliverInput', {
  fields: (t) => ({
    webhookId: t.string({ required: true }),
    eventId: t.string({
      required: true,
      description: 'The webhook-id (`<namespace>:<version>`) or any version of the namespace (hash, short hash, tag, HEAD~N).',
    }),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.field({
    type: [WebhookRef],
    description: "A namespace's webhooks, oldest first. Admins of the namespace only.",
    args: { namespace: t.arg.string({ required: true }) },
    errors: { types: WEBHOOK_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.webhooks.list(ctx.actor, args.namespace),
  }),
  webhook: t.field({
    type: WebhookRef,
    args: { id: t.arg.string({ required: true }) },
    errors: { types: WEBHOOK_ERRORS, directResult: true },
    resolve: (_root, args, ctx) => ctx.cairn.webhooks.get(ctx.actor, args.id),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WebhookSecretPayloadRef,
    description: 'Registers a webhook; deliveries start with the next commit. The answer is the only time the secret is shown.',
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    errors: { types: WEBHOOK_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) =>
      ctx.cairn.webhooks.create(ctx.actor, { ...input, actions: (input.actions as CommitAction[] | null | undefined) ?? null }),
  }),
  updateWebhook: t.field({
    type: WebhookRef,
    args: { input: t.arg({ type: UpdateWebhookInput, required: true }) },
    errors: { types: WEBHOOK_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.webhooks.update(ctx.actor, { ...input, actions: input.actions as CommitAction[] | null | undefined }),
  }),
  deleteWebhook: t.field({
    type: DeletedWebhookRef,
    description: 'Removes the webhook, its cursor ref and its delivery log (its definition stays in the system repository history).',
    args: { input: t.arg({ type: WebhookIdInput, required: true }) },
    errors: { types: WEBHOOK_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.webhooks.delete(ctx.actor, input.id, input.comment),
  }),
  rotateWebhookSecret: t.field({
    type: WebhookSecretPayloadRef,
    description: 'A new secret, shown once; deliveries are also signed with the previous one for 24 hours.',
    args: { input: t.arg({ type: WebhookIdInput, required: true }) },
    errors: { types: WEBHOOK_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.webhooks.rotateSecret(ctx.actor, input.id),
  }),
  redeliver: t.field({
    type: RedeliverPayloadRef,
    description:
      'Sends an event again with the same webhook-id: the event being retried starts a new round now; an already delivered one is sent once more. Later events are refused (they come in order).',
    args: { input: t.arg({ type: RedeliverInput, required: true }) },
    errors: { types: WEBHOOK_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.webhooks.redeliver(ctx.actor, input.webhookId, input.eventId),
  }),
}));
