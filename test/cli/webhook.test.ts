import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { until } from '../support/until.js';
import { type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';
import { type CliResult, json, runCli } from './cli-process.js';

const UNKNOWN = `wh_${'0'.repeat(24)}`;

interface SecretJson {
  secret: string;
  webhook: { id: string; url: string; status: string };
}

interface DeliveryJson {
  eventId: string;
  trigger: string;
  outcome: string;
  statusCode: number | null;
}

describe('cairn webhook create, list, rotate, deliveries and redeliver', () => {
  let h: Harness;
  let receiver: Receiver;
  const cli = (args: string[], token: string | null = ADMIN.token): Promise<CliResult> => runCli(args, { url: h.url, token });
  const deliveries = async (id: string): Promise<DeliveryJson[]> => json<DeliveryJson[]>(await cli(['--json', 'webhook', 'deliveries', id]));

  beforeAll(async () => {
    h = await startHarness({
      tokens: [ADMIN, EDITOR, VIEWER],
      env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms,50ms', CAIRN_WEBHOOK_TIMEOUT_MS: '2000' },
    });
    receiver = await startReceiver();
    await h.gql(CREATE_NAMESPACE, { name: 'hooked' }, ADMIN.token);
  });

  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it('registers a webhook (admins), delivers signed, shows deliveries, redelivers and rotates the secret', async () => {
    expect((await cli(['webhook', 'create', 'hooked', receiver.url], EDITOR.token)).code).toBe(5);
    expect((await cli(['webhook', 'create', 'hooked', 'ftp://example.com/hook'])).code).toBe(2);
    expect((await cli(['webhook', 'create', 'nowhere', receiver.url])).code).toBe(3);
    expect((await cli(['webhook', 'create', 'hooked'])).code).toBe(2);

    const created = await cli(['--json', 'webhook', 'create', 'hooked', receiver.url, '--actions', 'create,update', '-m', 'notify ci']);
    expect(created.code, created.stderr).toBe(0);
    const { secret, webhook } = json<SecretJson>(created);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook.url).toBe(receiver.url);

    const listed = json<{ id: string; actions: string[] }[]>(await cli(['--json', 'webhook', 'list', 'hooked']));
    expect(listed).toMatchObject([{ id: webhook.id, actions: ['CREATE', 'UPDATE'] }]);
    expect((await cli(['webhook', 'list', 'hooked'])).stdout).toContain(webhook.id);
    expect((await cli(['webhook', 'list', 'hooked'], VIEWER.token)).code).toBe(5);

    const put = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'hooked', path: 'a.json', content: {}, expectedVersion: null } },
      EDITOR.token,
    );
    const version = put.data.putConfig.version!.hash;
    const [request] = await receiver.waitFor(1);
    expect(verifyStandardWebhook(secret, request!)).toBe(true);
    const eventId = `hooked:${version}`;
    await until(
      'the delivery recorded',
      () => deliveries(webhook.id),
      (d) => d.some((x) => x.outcome === 'DELIVERED'),
    );
    expect((await deliveries(webhook.id))[0]).toMatchObject({ eventId, trigger: 'EVENT', outcome: 'DELIVERED', statusCode: 200 });
    expect((await cli(['webhook', 'deliveries', webhook.id])).stdout).toMatch(new RegExp(`${eventId}\\s+event\\s+1\\s+delivered\\s+200`));
    // A well-formed id that names no webhook is not found; anything else is not an id at all.
    expect((await cli(['webhook', 'deliveries', UNKNOWN])).code).toBe(3);
    expect((await cli(['webhook', 'deliveries', 'no-such-hook'])).code).toBe(2);
    expect((await cli(['webhook', 'deliveries', webhook.id, '--limit', '0'])).code).toBe(2);

    const redelivered = await cli(['--json', 'webhook', 'redeliver', webhook.id, version.slice(0, 12)]);
    expect(redelivered.code, redelivered.stderr).toBe(0);
    expect(json(redelivered)).toMatchObject({ eventId, version, redelivery: 'QUEUED' });
    const [, again] = await receiver.waitFor(2);
    expect(again!.id).toBe(eventId);
    expect((await cli(['webhook', 'redeliver', webhook.id, 'f'.repeat(40)])).code).toBe(3);
    expect((await cli(['webhook', 'redeliver', webhook.id, version], EDITOR.token)).code).toBe(5);

    const rotated = await cli(['--json', 'webhook', 'rotate', webhook.id]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = json<SecretJson>(rotated).secret;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    expect((await cli(['webhook', 'rotate', webhook.id], EDITOR.token)).code).toBe(5);
    expect((await cli(['webhook', 'rotate', UNKNOWN])).code).toBe(3);
  });

  it('updates a webhook (what is not given stays) and deletes it; each a commit of the system repository', async () => {
    const created = json<SecretJson>(await cli(['--json', 'webhook', 'create', 'hooked', receiver.url, '--path-prefix', 'a/']));
    const id = created.webhook.id;
    const updated = await cli(['--json', 'webhook', 'update', id, '--disable', '--actions', 'delete', '-m', 'quiet for now']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(json(updated)).toMatchObject({ id, status: 'DISABLED', pathPrefix: 'a/', actions: ['DELETE'] });
    const enabled = json<{ status: string; actions: string[] | null; pathPrefix: string | null }>(
      await cli(['--json', 'webhook', 'update', id, '--enable', '--actions', '']),
    );
    expect(enabled).toMatchObject({ status: expect.not.stringMatching(/DISABLED/), pathPrefix: 'a/' });
    expect(enabled.actions ?? []).toEqual([]);
    expect((await cli(['webhook', 'update', id, '--enable', '--disable'])).code).toBe(2);
    expect((await cli(['webhook', 'update', id, '--url', 'ftp://example.com'])).code).toBe(2);
    expect((await cli(['webhook', 'update', id, '--disable'], EDITOR.token)).code).toBe(5);
    expect((await cli(['webhook', 'update', UNKNOWN, '--disable'])).code).toBe(3);

    expect((await cli(['webhook', 'delete', id], EDITOR.token)).code).toBe(5);
    const deleted = await cli(['webhook', 'delete', id, '-m', 'not needed']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`deleted webhook ${id} (hooked → ${receiver.url})`);
    expect(json<{ id: string }[]>(await cli(['--json', 'webhook', 'list', 'hooked'])).map((w) => w.id)).not.toContain(id);
    expect((await cli(['webhook', 'delete', id])).code).toBe(3);
  });
});
