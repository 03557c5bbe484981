import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CREATE_WEBHOOK, REDELIVER, ROTATE_WEBHOOK_SECRET, WEBHOOKS, WEBHOOK_DELIVERIES, unwrap } from '../operations.js';
import { type Output, shortTime } from '../output.js';
import { type Connection, collectPages, parseLimit } from '../pages.js';
import { splitList } from './rollback.js';
import { registerWebhookChanges } from './webhook-changes.js';

interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly status: string;
  readonly pathPrefix: string | null;
  readonly actions: readonly string[] | null;
  readonly deliveredVersion: string | null;
  readonly pendingVersions: number | null;
  readonly lastDelivery: { readonly outcome: string; readonly statusCode: number | null; readonly time: string } | null;
}

interface Delivery {
  readonly eventId: string;
  readonly attempt: number;
  readonly trigger: string;
  readonly outcome: string;
  readonly statusCode: number | null;
  readonly latencyMs: number | null;
  readonly error: string | null;
  readonly time: string;
}

interface SecretPayload {
  readonly secret: string;
  readonly webhook: Webhook;
}

interface CreateOptions {
  readonly pathPrefix?: string;
  readonly actions?: string;
  readonly environments?: string;
  readonly disabled?: boolean;
  readonly message?: string;
}

/** The secret is shown once, by the server's answer to create and rotate: printed so that it can be stored. */
function printSecret(out: Output, verb: string, payload: SecretPayload): void {
  if (out.json) out.data(payload);
  else {
    out.line(`${verb} webhook ${payload.webhook.id} → ${payload.webhook.url}`);
    out.line(`secret ${payload.secret} (shown only now: store it to verify the webhook-signature header)`);
  }
}

function registerCreate(webhook: Command): void {
  webhook
    .command('create')
    .description("deliver the namespace's commits to a URL, in order, signed (admins); deliveries start with the next commit")
    .argument('<namespace>')
    .argument('<url>', 'http(s); loopback and private addresses are refused unless the server allows them')
    .option('--path-prefix <prefix>', 'only commits changing a document under it')
    .option('--actions <A,B>', 'only commits with these actions, e.g. CREATE,UPDATE,MERGE (default: all)')
    .option('--environments <a,b>', "also these environments' releases and rollout steps ('*': all)")
    .option('--disabled', 'register it without delivering yet')
    .option('-m, --message <comment>', 'why: the message of the commit recording it')
    .action(async (namespace: string, url: string, options: CreateOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        namespace,
        url,
        pathPrefix: options.pathPrefix ?? null,
        actions: options.actions ? splitList(options.actions, '--actions').map((a) => a.toUpperCase()) : null,
        environments: options.environments ? splitList(options.environments, '--environments') : null,
        enabled: options.disabled !== true,
        comment: options.message ?? null,
      };
      const data = await client.request<{ createWebhook: { __typename: string } }>(CREATE_WEBHOOK, { input });
      printSecret(out, 'created', unwrap<SecretPayload>(data.createWebhook, 'WebhookSecretPayload'));
    });
}

function registerList(webhook: Command): void {
  webhook
    .command('list')
    .description("a namespace's webhooks, their status and last delivery (admins)")
    .argument('<namespace>')
    .action(async (namespace: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ webhooks: { __typename: string } }>(WEBHOOKS, { ns: namespace });
      const hooks = unwrap<{ data: Webhook[] }>(data.webhooks, 'WebhooksSuccess').data;
      if (out.json) {
        out.data(hooks);
        return;
      }
      out.table(
        ['ID', 'STATUS', 'PENDING', 'LAST DELIVERY', 'URL'],
        hooks.map((w) => [w.id, w.status.toLowerCase(), String(w.pendingVersions ?? 0), lastDelivery(w), w.url]),
      );
    });
}

function lastDelivery(w: Webhook): string {
  const d = w.lastDelivery;
  return d ? `${d.outcome.toLowerCase()} ${d.statusCode ?? ''} ${shortTime(d.time)}`.replace(/ +/g, ' ') : '-';
}

function registerRotate(webhook: Command): void {
  webhook
    .command('rotate')
    .description('a new secret, shown once; deliveries are also signed with the previous one for 24 hours')
    .argument('<id>', 'the webhook')
    .option('-m, --message <comment>', 'why: the message of the commit recording it')
    .action(async (id: string, options: { message?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ rotateWebhookSecret: { __typename: string } }>(ROTATE_WEBHOOK_SECRET, {
        input: { id, comment: options.message ?? null },
      });
      printSecret(out, 'rotated', unwrap<SecretPayload>(data.rotateWebhookSecret, 'WebhookSecretPayload'));
    });
}

function registerDeliveries(webhook: Command): void {
  webhook
    .command('deliveries')
    .description("a webhook's delivery attempts, newest first")
    .argument('<id>', 'the webhook')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (id: string, options: { limit: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const deliveries = await collectPages<Delivery>(parseLimit(options.limit), async (first, after) => {
        const data = await client.request<{ webhook: { __typename: string } }>(WEBHOOK_DELIVERIES, { id, first, after });
        return unwrap<{ deliveries: Connection<Delivery> }>(data.webhook, 'Webhook').deliveries;
      });
      if (out.json) {
        out.data(deliveries);
        return;
      }
      out.table(
        ['TIME', 'EVENT', 'TRIGGER', 'ATTEMPT', 'OUTCOME', 'STATUS', 'ERROR'],
        deliveries.map((d) => [
          shortTime(d.time),
          d.eventId,
          d.trigger.toLowerCase(),
          String(d.attempt),
          d.outcome.toLowerCase(),
          String(d.statusCode ?? '-'),
          d.error ?? '',
        ]),
      );
    });
}

function registerRedeliver(webhook: Command): void {
  webhook
    .command('redeliver')
    .description('send an event again with the same webhook-id (a delivered one once more; the one being retried starts a new round)')
    .argument('<id>', 'the webhook')
    .argument('<event>', 'the webhook-id (<namespace>:<version>) or a version of the namespace: hash, short hash, tag, HEAD~N')
    .action(async (id: string, event: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ redeliver: { __typename: string } }>(REDELIVER, { input: { webhookId: id, eventId: event } });
      const result = unwrap<{ eventId: string; version: string; redelivery: string }>(data.redeliver, 'RedeliverPayload');
      if (out.json) out.data(result);
      else out.line(`${result.redelivery === 'QUEUED' ? 'queued' : 'restarted'}: ${result.eventId}`);
    });
}

export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('signed HTTP deliveries of the commits of a namespace (admins)');
  for (const register of [registerCreate, registerList, registerRotate, registerDeliveries, registerRedeliver, registerWebhookChanges]) register(webhook);
}
