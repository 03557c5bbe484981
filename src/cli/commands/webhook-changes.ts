import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { DELETE_WEBHOOK, UPDATE_WEBHOOK, unwrap } from '../operations.js';
import { splitList } from './rollback.js';

interface UpdateOptions {
  readonly url?: string;
  readonly pathPrefix?: string;
  readonly actions?: string;
  readonly environments?: string;
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly message?: string;
}

/** `cairn webhook update` and `cairn webhook delete`: a webhook changed or removed, each a commit recording it. */
export function registerWebhookChanges(webhook: Command): void {
  webhook
    .command('update')
    .description('change a webhook: what is not given stays as it is (re-enabling resumes after its cursor: nothing is skipped)')
    .argument('<id>', 'the webhook')
    .option('--url <url>')
    .option('--path-prefix <prefix>', "only commits changing a document under it ('' for all)")
    .option('--actions <A,B>', "only commits with these actions ('' for all)")
    .option('--environments <a,b>', "these environments' releases too ('*': all; '' for none)")
    .option('--enable', 'deliver again')
    .option('--disable', 'stop delivering (what is committed meanwhile is delivered once enabled)')
    .option('-m, --message <comment>', 'why: the message of the commit recording it')
    .action(async (id: string, options: UpdateOptions, command: Command) => {
      if (options.enable && options.disable) throw usageError('--enable or --disable, not both');
      const list = (text: string | undefined, flag: string): string[] | undefined =>
        text === undefined ? undefined : text === '' ? [] : splitList(text, flag);
      const input = {
        id,
        url: options.url,
        pathPrefix: options.pathPrefix,
        actions: list(options.actions, '--actions')?.map((a) => a.toUpperCase()),
        environments: list(options.environments, '--environments'),
        enabled: options.enable ? true : options.disable ? false : undefined,
        comment: options.message ?? null,
      };
      const { client, out } = contextOf(command);
      const data = await client.request<{ updateWebhook: { __typename: string } }>(UPDATE_WEBHOOK, { input });
      const updated = unwrap<{ id: string; url: string; status: string }>(data.updateWebhook, 'Webhook');
      if (out.json) out.data(updated);
      else out.line(`updated webhook ${updated.id} → ${updated.url} (${updated.status.toLowerCase()})`);
    });
  webhook
    .command('delete')
    .description('remove a webhook: no more deliveries (its delivery log goes with it)')
    .argument('<id>', 'the webhook')
    .option('-m, --message <comment>', 'why: the message of the commit recording it')
    .action(async (id: string, options: { message?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ deleteWebhook: { __typename: string } }>(DELETE_WEBHOOK, { input: { id, comment: options.message ?? null } });
      const deleted = unwrap<{ id: string; namespace: string; url: string }>(data.deleteWebhook, 'DeletedWebhook');
      if (out.json) out.data(deleted);
      else out.line(`deleted webhook ${deleted.id} (${deleted.namespace} → ${deleted.url})`);
    });
}
