import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CREATE_WEBHOOK, REDELIVER, UPDATE_WEBHOOK, type WebhookData } from '../support/webhook-operations.js';
import { type Received, type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';

/**
 * Webhooks that take an environment's releases (`environments`) get each release and rollout step of its branch,
 * in branch order, as `config.released` events, signed and retried like commits; a webhook without environments
 * gets none of them.
 */

interface ReleaseBody {
  type: string;
  data: {
    id: string;
    namespace: string;
    environment: string;
    kind: string;
    commit: string;
    parentCommit: string | null;
    version: string;
    rollback: boolean;
    rollout: string | null;
    rolloutStep: number | null;
    rolloutState: string | null;
    operator: { email: string };
    comment: string;
  };
}

async function eventually<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('webhooks of releases', () => {
  let h: Harness;
  let releases: Receiver;
  let commitsOnly: Receiver;
  let hook: { id: string; secret: string };
  const v: string[] = [];
  /** prod's current release (not a step of its rollout): what the next release expects. */
  let current = '';

  const data = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await h.gql<T>(query, variables);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  };
  const release = async (input: Record<string, unknown>): Promise<string> => {
    const res = await data<{ release: WriteResult }>(RELEASE, { input: { namespace: 'hooked', environment: 'prod', ...input } });
    expect(res.release.status).toBe('COMMITTED');
    return res.release.version!.hash;
  };
  /** The release branch's own commits, oldest first (its first-parent walk goes on into main's history). */
  const branch = (): string[] =>
    h
      .git('hooked', 'log', '--first-parent', '--reverse', '--format=%H %(trailers:key=Cairn-Action,valueonly)', 'environments/prod')
      .trim()
      .split('\n')
      .filter((line) => / (release|rollout)$/.test(line))
      .map((line) => line.slice(0, 40));
  const bodies = (received: readonly Received[]): ReleaseBody[] => received.map((r) => JSON.parse(r.body) as ReleaseBody);

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms,50ms', CAIRN_ROLLOUT_INTERVAL_MS: '20' } });
    [releases, commitsOnly] = await Promise.all([startReceiver((n) => (n === 1 ? 503 : 200)), startReceiver()]);
    await data(CREATE_NAMESPACE, { name: 'hooked' });
    let head: string | null = null;
    for (let i = 0; i < 3; i += 1) {
      const put: { putConfig: WriteResult } = await data<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'hooked', path: 'app.json', content: { replicas: i }, expectedVersion: head },
      });
      head = put.putConfig.version!.hash;
      v.push(head);
    }
    const defined = await data<{ defineEnvironment: WriteResult }>(DEFINE_ENVIRONMENT, { input: { namespace: 'hooked', name: 'prod', expectedVersion: head } });
    expect(defined.defineEnvironment.status).toBe('COMMITTED');
    // A release before the webhook took prod is not delivered.
    await release({ version: v[0], expectedRelease: null, comment: 'before the webhook' });
    const created = await data<{ createWebhook: { secret: string; webhook: WebhookData } }>(CREATE_WEBHOOK, {
      input: { namespace: 'hooked', url: releases.url, environments: ['prod'], actions: ['ROLLBACK'] },
    });
    hook = { id: created.createWebhook.webhook.id, secret: created.createWebhook.secret };
    await data(CREATE_WEBHOOK, { input: { namespace: 'hooked', url: commitsOnly.url } });
  });

  afterAll(async () => {
    await Promise.all([releases?.close(), commitsOnly?.close()]);
    await h?.close();
  });

  it('delivers every release and rollout step after the webhook took the environment, in branch order, signed; a failed attempt is retried', async () => {
    const first = branch().at(-1)!;
    const second = await release({ version: v[1], expectedRelease: first, comment: 'ship v1' });
    // A rollout of two steps, no bake: the driver commits step 2 and the completion by itself.
    const third = await release({ version: v[2], expectedRelease: second, strategy: { steps: [50, 100], bakeSeconds: 0 } });
    current = third;
    await eventually(
      () => branch().length,
      (n) => n === 5,
    );
    const expected = branch().slice(-4);
    expect(expected[1]).toBe(third);
    // The second request failed (503) and was retried: five requests, four events, in branch order.
    const received = await eventually(
      () => releases.received,
      (r) => r.length >= 5,
    );
    const events = bodies(received);
    expect(events.every((e) => e.type === 'config.released')).toBe(true);
    expect(received[1]!.id).toBe(received[2]!.id);
    const delivered = [received[0]!, ...received.slice(2)].map((r) => JSON.parse(r.body) as ReleaseBody);
    expect(delivered.map((e) => e.data.commit)).toEqual(expected);
    expect(delivered.map((e) => [e.data.kind, e.data.rolloutStep, e.data.rolloutState])).toEqual([
      ['release', null, null],
      ['release', null, null],
      ['rollout', 1, 'progressing'],
      ['rollout', 1, 'completed'],
    ]);
    expect(delivered[0]!.data).toMatchObject({
      namespace: 'hooked',
      environment: 'prod',
      version: v[1],
      parentCommit: first,
      comment: 'ship v1',
      rollback: false,
    });
    expect(delivered[1]!.data.rollout).toContain('50,100');
    for (const request of received) {
      expect(request.id).toBe(`hooked:${(JSON.parse(request.body) as ReleaseBody).data.commit}`);
      expect(verifyStandardWebhook(hook.secret, request)).toBe(true);
    }
    // The main-commit filter (ROLLBACK) skipped every commit of main; the other webhook took no release.
    expect(bodies(commitsOnly.received).every((e) => e.type === 'config.changed')).toBe(true);
  });

  it('redelivers a release event by its id; a commit of no stream of the webhook (a change request) is refused', async () => {
    const tip = branch().at(-1)!;
    // Delivered once the cursor moved past it (just after the receiver answered): then a redelivery is a one-off.
    await eventually(
      () => h.git('hooked', 'for-each-ref', '--format=%(objectname)', `refs/cairn/webhook-releases/${hook.id}/prod`).trim(),
      (cursor) => cursor === tip,
    );
    const before = releases.received.length;
    const res = await data<{ redeliver: { __typename: string; redelivery: string; version: string } }>(REDELIVER, {
      webhookId: hook.id,
      eventId: `hooked:${tip}`,
    });
    expect(res.redeliver).toMatchObject({ __typename: 'RedeliverPayload', redelivery: 'QUEUED', version: tip });
    await eventually(
      () => releases.received.length,
      (n) => n === before + 1,
    );
    expect(bodies(releases.received).at(-1)!.data.commit).toBe(tip);
    const proposed = await data<{ proposeChange: { change: { hash: string } } }>(
      `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { ... on Proposal { change { hash } } } }`,
      { input: { namespace: 'hooked', expectedVersion: 'HEAD', changes: [{ path: 'app.json', content: { replicas: 9 } }] } },
    );
    const refused = await data<{ redeliver: { __typename: string; message: string } }>(REDELIVER, {
      webhookId: hook.id,
      eventId: `hooked:${proposed.proposeChange.change.hash}`,
    });
    expect(refused.redeliver).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('is not an event of webhook') as string });
  });

  it('stops delivering releases once its environments are cleared', async () => {
    const updated = await data<{ updateWebhook: { __typename: string; environments: string[] | null } }>(UPDATE_WEBHOOK, {
      input: { id: hook.id, environments: null },
    });
    expect(updated.updateWebhook.__typename).toBe('Webhook');
    const before = releases.received.length;
    await release({ version: v[0], expectedRelease: current, comment: 'quietly' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(releases.received.length).toBe(before);
  });
});
