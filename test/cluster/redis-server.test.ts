import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

let redis: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

function client(url = redis.url): Redis {
  const connection = new Redis(url);
  clients.push(connection);
  return connection;
}

function nextMessage(subscriber: Redis, channel: string): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (from: string, message: string): void => {
      if (from !== channel) return;
      subscriber.off('message', onMessage);
      resolve(message);
    };
    subscriber.on('message', onMessage);
  });
}

describe('redis-server for tests', () => {
  it('serves PUBLISH/SUBSCRIBE between two connections, without persistence', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const publisher = client();
    const subscriber = client();
    await subscriber.subscribe('cairn:test');
    const received = nextMessage(subscriber, 'cairn:test');
    expect(await publisher.publish('cairn:test', 'hello')).toBe(1);
    expect(await received).toBe('hello');
    expect(await publisher.config('GET', 'save')).toEqual(['save', '']);
    expect(await publisher.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });

  it("carries graphql-yoga's Redis event target: an event dispatched on one target reaches a listener on another", async () => {
    type CommitEvent = CustomEvent<{ namespace: string; version: string }>;
    const replicaA = createRedisEventTarget<CommitEvent>({ publishClient: client(), subscribeClient: client() });
    const replicaB = createRedisEventTarget<CommitEvent>({ publishClient: client(), subscribeClient: client() });
    const observer = client();
    const received = new Promise<CommitEvent>((resolve) => replicaB.addEventListener('commit', (event) => resolve(event)));
    // addEventListener subscribes without waiting; an event published before SUBSCRIBE lands is lost (pub/sub).
    await waitFor(async () => (await observer.pubsub('NUMSUB', 'commit'))[1] === 1);
    replicaA.dispatchEvent(new CustomEvent('commit', { detail: { namespace: 'payments', version: 'abc123' } }));
    const event = await received;
    expect(event.type).toBe('commit');
    expect(event.detail).toEqual({ namespace: 'payments', version: 'abc123' });
  });

  it('stops (the port refuses connections) and restarts empty on the same port, where ioredis reconnects and resubscribes', async () => {
    const server = await startRedisServer();
    const publisher = new Redis(server.url, { retryStrategy: () => 20 });
    const subscriber = new Redis(server.url, { retryStrategy: () => 20 });
    clients.push(publisher, subscriber);
    await subscriber.subscribe('cairn:restart');
    await publisher.set('key', 'value');

    await server.stop();
    expect(await refusesConnections(server.port)).toBe(true);
    await server.restart();
    const received: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    // Once the publisher is back and the subscriber has resubscribed, PUBLISH counts one receiver.
    await waitFor(async () => (await publisher.publish('cairn:restart', 'probe')) === 1);
    await publisher.publish('cairn:restart', 'after restart');
    await waitFor(async () => received.includes('after restart'));
    expect(await publisher.get('key')).toBeNull();

    await server.restart();
    await waitFor(async () => (await publisher.ping()) === 'PONG');
    await server.stop();
    await server.stop();
    expect(await refusesConnections(server.port)).toBe(true);
  });

  it('dies with the test process even when that process is killed with SIGKILL', async () => {
    const module = pathToFileURL(path.join(import.meta.dirname, '../support/redis-server.ts')).href;
    const code = `const { startRedisServer } = await import(${JSON.stringify(module)}); const r = await startRedisServer(); console.log(JSON.stringify({ port: r.port })); setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      owner.stdout.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
      owner.once('exit', (exitCode) => reject(new Error(`owner exited with ${exitCode}`)));
    });
    expect(await refusesConnections(port)).toBe(false);
    const [, dir] = (await client(`redis://127.0.0.1:${port}`).config('GET', 'dir')) as [string, string];
    expect(existsSync(dir)).toBe(true);
    owner.kill('SIGKILL');
    await waitFor(() => refusesConnections(port));
    await waitFor(async () => !existsSync(dir));
  });
});

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
