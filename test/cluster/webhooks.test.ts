import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG } from '../support/operations.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { CREATE_WEBHOOK, type Delivery, REDELIVER, WEBHOOK, type WebhookData } from '../support/webhook-operations.js';
import { type Received, type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';
import { listeningUrl, startServerProcess } from '../support/server-process.js';

/**
 * Webhooks with two replicas sharing a real git http-backend remote and a real redis-server: one replica delivers
 * at a time (a Redis lease), definitions and cursors travel through the remote, and a new deliverer resumes where
 * the previous one stopped.
 */

let remote: GitHttpServer;
let redis: RedisServer;
let receiver: Receiver;
let remoteUrl: string;
let remoteDir: string;

function remoteHistory(namespace: string): string[] {
  const out = execFileSync('git', ['--git-dir', remoteDir, 'rev-list', '--reverse', `refs/heads/${namespace}`], { encoding: 'utf8' }).trim();
  return out ? out.split('\n') : [];
}

/**
 * A lease long enough that a busy machine never lets it lapse between renewals (a lapse would let two replicas
 * deliver at once); a replica that stops gracefully releases it, so a takeover costs no wait.
 */
const LEASE_MS = '3000';

function replicaEnv(leaseMs = LEASE_MS): Record<string, string> {
  return {
    CAIRN_REMOTE_URL: remoteUrl,
    CAIRN_REDIS_URL: redis.url,
    CAIRN_REMOTE_POLL_MS: '0',
    CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32',
    CAIRN_WEBHOOK_LEASE_MS: leaseMs,
    CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms',
  };
}

function replica(leaseMs = LEASE_MS): Promise<Harness> {
  return startHarness({ env: replicaEnv(leaseMs) });
}

async function put(h: Harness, namespace: string, value: number, expectedVersion: string | null): Promise<string> {
  const res = await h.gql<{ putConfig: { __typename: string; version: { hash: string } } }>(PUT_CONFIG, {
    input: { namespace, path: 'app.json', content: { value }, expectedVersion },
  });
  expect(res.data.putConfig.__typename).toBe('WritePayload');
  return res.data.putConfig.version.hash;
}

/** The commit ids the receiver got, in arrival order. */
function deliveredVersions(requests: readonly Received[] = receiver.received): string[] {
  return requests.map((r) => (JSON.parse(r.body) as { data: { version: string } }).data.version);
}

async function leaseHolder(): Promise<string | null> {
  const client = new Redis(redis.url);
  try {
    return await client.get('cairn:webhook-delivery');
  } finally {
    client.disconnect();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  [remote, redis, receiver] = await Promise.all([startGitHttpServer(), startRedisServer(), startReceiver()]);
  remoteUrl = remote.createRepository('config.git');
  remoteDir = path.join(remote.root, 'config.git');
});

afterAll(async () => {
  await Promise.all([remote?.close(), redis?.stop(), receiver?.close()]);
});

describe('webhooks across replicas', () => {
  it('one replica delivers every commit made on either, once and in order; after it stops the other takes over from the shared cursor', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    let bClosed = false;
    let aClosed = false;
    try {
      await a.gql(CREATE_NAMESPACE, { name: 'hooks' });
      const base = await put(a, 'hooks', 0, null);
      // Created on B: the definition travels to whichever replica holds the delivery lease through the remote.
      const created = await b.gql<{ createWebhook: { __typename: string; secret: string; webhook: WebhookData } }>(CREATE_WEBHOOK, {
        input: { namespace: 'hooks', url: `${receiver.url}/hook` },
      });
      expect(created.data.createWebhook.__typename).toBe('WebhookSecretPayload');
      const secret = created.data.createWebhook.secret;
      expect(execFileSync('git', ['--git-dir', remoteDir, 'log', '--format=%s', 'refs/cairn/cairn'], { encoding: 'utf8' })).toMatch(/webhook/);

      let head = base;
      for (let i = 1; i <= 6; i += 1) head = await put(i % 2 ? a : b, 'hooks', i, head);
      const firstSix = remoteHistory('hooks').slice(1);
      await until('six deliveries', () => receiver.received.length >= 6);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(deliveredVersions()).toEqual(firstSix);
      for (const request of receiver.received) {
        expect(verifyStandardWebhook(secret, request)).toBe(true);
        expect(request.id).toBe(`hooks:${(JSON.parse(request.body) as { data: { version: string } }).data.version}`);
      }

      // Only one replica delivers; the other answers for it: the delivery log (in Redis) and redeliver (forwarded).
      const holder = await leaseHolder();
      const [leader, survivor] = holder === a.server.cluster?.sync.replica ? [a, b] : [b, a];
      expect(holder).toBe(leader.server.cluster?.sync.replica);
      expect(leader.server.cairn.webhookDispatcher.running).toBe(true);
      expect(survivor.server.cairn.webhookDispatcher.running).toBe(false);
      const id = created.data.createWebhook.webhook.id;
      const log = await survivor.gql<{ webhook: { deliveries: { edges: { node: Delivery }[] } } }>(WEBHOOK, { id, first: 20 });
      expect(log.data.webhook.deliveries.edges.map((e) => [e.node.version, e.node.statusCode, e.node.outcome])).toEqual(
        [...firstSix].reverse().map((v) => [v, 200, 'DELIVERED']),
      );
      const again = await survivor.gql<{ redeliver: { __typename: string; redelivery: string } }>(REDELIVER, {
        webhookId: id,
        eventId: `hooks:${firstSix[0]}`,
      });
      expect(again.data.redeliver).toMatchObject({ __typename: 'RedeliverPayload', redelivery: 'QUEUED' });
      await until('the forwarded redelivery', () => receiver.received.length >= 7);
      expect(receiver.received[6]?.id).toBe(`hooks:${firstSix[0]}`);
      receiver.received.splice(6, 1);
      // The receiver has the request before the deliverer has the answer, and a deliverer that stops in between
      // aborts the attempt, which is then not logged: stop it only once the attempt is in the log.
      await until('the redelivery to be logged', async () => {
        const logged = await survivor.gql<{ webhook: { deliveries: { edges: { node: Delivery }[] } } }>(WEBHOOK, { id, first: 20 });
        return logged.data.webhook.deliveries.edges.some((e) => e.node.trigger === 'REDELIVER');
      });

      // Stop the replica holding the delivery lease; the other one must take over from the shared cursor.
      await leader.close();
      if (leader === b) bClosed = true;
      else aClosed = true;
      for (let i = 7; i <= 9; i += 1) head = await put(survivor, 'hooks', i, head);
      const all = remoteHistory('hooks').slice(1);
      await until('nine deliveries', () => receiver.received.length >= 9);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(deliveredVersions()).toEqual(all);
      // One log across the change of deliverer: 9 in-order attempts and the forwarded redelivery.
      const merged = await survivor.gql<{ webhook: { deliveries: { edges: { node: Delivery }[] } } }>(WEBHOOK, { id, first: 50 });
      expect(merged.data.webhook.deliveries.edges.map((e) => e.node.trigger).sort()).toEqual([...Array<string>(9).fill('EVENT'), 'REDELIVER']);
    } finally {
      await Promise.all([aClosed ? Promise.resolve() : a.close(), bClosed ? Promise.resolve() : b.close()]);
    }
  });

  it('a lease holder killed without releasing: the other replica takes over once the lease expires and delivers the rest; only the event in flight at the kill arrives twice', async () => {
    // The holder is a real process, SIGKILLed: no release, no last renewal, its in-flight request cut off.
    const arrivals: number[] = [];
    const hooks = await startReceiver((n) => {
      arrivals.push(Date.now());
      return n === 3 ? 'hold' : 200;
    });
    const leaderDir = mkdtempSync(path.join(tmpdir(), 'cairn-killed-leader-'));
    const leader = startServerProcess({ ...replicaEnv('1500'), CAIRN_DATA_DIR: leaderDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', LOG_LEVEL: 'info' });
    let survivor: Harness | null = null;
    try {
      await listeningUrl(leader);
      const tookLease = (line: string): boolean => line.includes('this replica delivers webhooks');
      await until('the process to take the lease', () => leader.lines.some(tookLease));
      const leaderId = (JSON.parse(leader.lines.find(tookLease)!) as { replica: string }).replica;
      expect(await leaseHolder()).toBe(leaderId);
      survivor = await replica('1500');
      const survivorId = survivor.server.cluster!.sync.replica;

      await survivor.gql(CREATE_NAMESPACE, { name: 'killed' });
      let head = await put(survivor, 'killed', 0, null);
      const created = await survivor.gql<{ createWebhook: { __typename: string; secret: string } }>(CREATE_WEBHOOK, {
        input: { namespace: 'killed', url: hooks.url },
      });
      expect(created.data.createWebhook.__typename).toBe('WebhookSecretPayload');
      for (let i = 1; i <= 5; i += 1) head = await put(survivor, 'killed', i, head);
      const events = remoteHistory('killed').slice(1);
      expect(events).toHaveLength(5);

      // The process delivered three events and is waiting for the receiver's answer to the fourth.
      await until('the fourth event to be in flight', () => hooks.received.length >= 4);
      expect(await leaseHolder()).toBe(leaderId);
      expect(survivor.server.cairn.webhookDispatcher.running).toBe(false);
      leader.child.kill('SIGKILL');
      const killedAt = Date.now();
      await leader.exited;

      await until('the survivor to deliver the rest', () => hooks.received.length >= 6);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await leaseHolder()).toBe(survivorId);
      expect(deliveredVersions(hooks.received)).toEqual([...events.slice(0, 4), ...events.slice(3)]);
      for (const request of hooks.received) expect(verifyStandardWebhook(created.data.createWebhook.secret, request)).toBe(true);
      expect(hooks.received[4]?.id).toBe(hooks.received[3]?.id);
      // Renewed every 500 ms, the lease had at least 1000 ms to run at the kill: nobody took it over before then.
      expect(arrivals[4]! - killedAt).toBeGreaterThanOrEqual(900);
    } finally {
      if (leader.child.exitCode === null && leader.child.signalCode === null) leader.child.kill('SIGKILL');
      await leader.exited;
      await Promise.all([survivor?.close(), hooks.close()]);
      rmSync(leaderDir, { recursive: true, force: true });
    }
  });
});
