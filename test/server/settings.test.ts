import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/domain/webhook-url.js';
import { SETTING_DECLARATIONS } from '../../src/server/setting-declarations.js';
import { readSettings } from '../../src/server/settings.js';
import { declaredDefault, withSettingsTable } from '../../src/server/settings-table.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
const DECLARED = new Map(SETTING_DECLARATIONS.flatMap((declarations) => Object.entries(declarations.shape)));

describe('readSettings', () => {
  it('defaults: every setting unset', () => {
    const { parseThreads, consoleDir, ...rest } = readSettings({}, '/srv/cairn');
    expect(parseThreads).toBeGreaterThanOrEqual(1);
    expect(parseThreads).toBeLessThanOrEqual(4);
    expect(consoleDir).toBe(path.resolve(import.meta.dirname, '../../dist/console'));
    expect(rest).toEqual({
      dataDir: '/srv/cairn/repos',
      host: '127.0.0.1',
      port: 4000,
      tokensFile: null,
      tls: null,
      tlsTerminatedByProxy: false,
      tokensWatch: true,
      secrets: { keyFile: null, recipients: [] },
      logLevel: 'info',
      fsync: true,
      maxDocumentBytes: 1_048_576,
      blame: { maxValues: 100_000_000, maxEntries: 25_000 },
      revert: { maxLaterVersions: 100 },
      maxReadBytes: 67_108_864,
      committer: { name: 'Cairn', email: 'cairn@localhost' },
      repackEvery: 0,
      maxOpenPacks: 128,
      cacheBytes: 67_108_864,
      maxCommitBatch: 32,
      graphiql: true,
      limits: { maxDepth: 10, maxAliases: 15, maxCost: 5000, maxTokens: 2000, maxDirectives: 50, introspection: true, production: false },
      maxBatch: 10,
      maxBodyBytes: 16_777_216,
      corsOrigins: [],
      feed: { maxBufferedEvents: 10_000, maxDocumentEventBytes: 262_144, disconnectGraceMs: 30_000 },
      metrics: { token: null, maxOperationNames: 100 },
      websocket: { maxPayloadBytes: 1_048_576, maxConnectionsPerIp: 64, maxPendingConnections: 256, maxSubscriptions: 32 },
      shutdownDelayMs: 0,
      readyWaitMs: 30_000,
      keepAliveMs: 65_000,
      etcd: null,
      oidc: null,
      webhooks: {
        retrySchedule: [5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        timeoutMs: 15_000,
        allow: parseAllowList([]),
        logSize: 1000,
      },
      webhookDelivery: true,
      rollouts: { intervalMs: 1000, instanceTtlMs: 90_000, maxInstances: 100_000, maxInstancesPerNamespace: 20_000 },
      cluster: null,
    });
  });

  it('reads each variable; paths are resolved against the working directory', () => {
    const settings = readSettings(
      {
        CAIRN_DATA_DIR: 'data',
        CAIRN_HOST: '0.0.0.0',
        CAIRN_PORT: '0',
        CAIRN_TOKENS_FILE: 'tokens.json',
        LOG_LEVEL: 'debug',
        CAIRN_PARSE_THREADS: '0',
        CAIRN_MAX_BLAME_ENTRIES: '7',
        CAIRN_MAX_REVERT_LATER_VERSIONS: '3',
        CAIRN_COMMITTER_NAME: 'Bot',
        CAIRN_CONSOLE_DIR: '/opt/ui',
        CAIRN_MAX_COST: '99',
        NODE_ENV: 'production',
        CAIRN_CORS_ORIGINS: ' https://a.example , ,https://b.example',
        CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms, 2s',
        CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32,hooks.internal',
        CAIRN_METRICS_TOKEN: 'secret',
        CAIRN_READY_WAIT_MS: '200',
        CAIRN_KEEP_ALIVE_MS: '75000',
      },
      '/srv/cairn',
    );
    expect(settings).toMatchObject({
      dataDir: '/srv/cairn/data',
      host: '0.0.0.0',
      port: 0,
      tokensFile: '/srv/cairn/tokens.json',
      logLevel: 'debug',
      parseThreads: 0,
      blame: { maxValues: 100_000_000, maxEntries: 7 },
      revert: { maxLaterVersions: 3 },
      committer: { name: 'Bot', email: 'cairn@localhost' },
      consoleDir: '/opt/ui',
      limits: { maxCost: 99, production: true },
      corsOrigins: ['https://a.example', 'https://b.example'],
      webhooks: { retrySchedule: [50, 2000], allow: parseAllowList(['127.0.0.1/32', 'hooks.internal']) },
      metrics: { token: 'secret' },
      readyWaitMs: 200,
      keepAliveMs: 75_000,
    });
  });

  it('a variable set to the empty text counts as unset, except the retry schedule, where it means no retries', () => {
    const blank = [
      'CAIRN_DATA_DIR',
      'CAIRN_HOST',
      'CAIRN_PORT',
      'CAIRN_TOKENS_FILE',
      'LOG_LEVEL',
      'CAIRN_FSYNC',
      'CAIRN_MAX_READ_BYTES',
      'CAIRN_WEBHOOK_ALLOW',
    ];
    expect(readSettings(Object.fromEntries(blank.map((name) => [name, ''])), '/srv/cairn')).toMatchObject({
      dataDir: '/srv/cairn/repos',
      host: '127.0.0.1',
      port: 4000,
      tokensFile: null,
      logLevel: 'info',
      fsync: true,
      maxReadBytes: 67_108_864,
    });
    expect(readSettings({ CAIRN_WEBHOOK_RETRY_SCHEDULE: '' }).webhooks.retrySchedule).toEqual([]);
  });

  it('flags are off for 0, false, off and no in any case, on for anything else', () => {
    for (const off of ['0', 'false', 'OFF', 'No']) expect(readSettings({ CAIRN_FSYNC: off, CAIRN_INTROSPECTION: off }).fsync).toBe(false);
    for (const on of ['1', 'true', 'yes', 'anything']) expect(readSettings({ CAIRN_GRAPHIQL: on }).graphiql).toBe(true);
    expect(readSettings({ CAIRN_INTROSPECTION: 'off', CAIRN_WEBHOOK_DELIVERY: 'false' })).toMatchObject({
      limits: { introspection: false },
      webhookDelivery: false,
    });
  });

  it('refuses a bad value, naming its variable', () => {
    const refusal = (env: Record<string, string>): Error => {
      try {
        readSettings(env);
      } catch (error) {
        return error as Error;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    expect(refusal({ CAIRN_PORT: 'http' }).message).toBe("CAIRN_PORT must be a non-negative integer, got 'http'");
    expect(refusal({ CAIRN_MAX_DEPTH: '1.5' }).message).toBe("CAIRN_MAX_DEPTH must be a non-negative integer, got '1.5'");
    expect(refusal({ CAIRN_MAX_READ_BYTES: '-1' }).message).toBe("CAIRN_MAX_READ_BYTES must be a non-negative integer, got '-1'");
    expect(refusal({ CAIRN_MAX_READ_BYTES: '0' }).message).toBe('CAIRN_MAX_READ_BYTES must be at least 1, got 0');
    expect(refusal({ CAIRN_FEED_MAX_BUFFERED_EVENTS: '0' }).message).toBe('CAIRN_FEED_MAX_BUFFERED_EVENTS must be at least 1, got 0');
    expect(refusal({ CAIRN_WEBHOOK_TIMEOUT_MS: '0' }).message).toBe('CAIRN_WEBHOOK_TIMEOUT_MS must be at least 1, got 0');
    expect(refusal({ CAIRN_WEBHOOK_LOG_SIZE: '0' }).message).toBe('CAIRN_WEBHOOK_LOG_SIZE must be at least 1, got 0');
    const schedule = refusal({ CAIRN_WEBHOOK_RETRY_SCHEDULE: '5s,soon' });
    expect(schedule.message).toBe("CAIRN_WEBHOOK_RETRY_SCHEDULE: 'soon' is not a delay like 500ms, 5s, 5m, 2h or 1d");
    expect(schedule.cause).toBeInstanceOf(Error);
    expect(refusal({ CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32,not a host' }).message).toBe("CAIRN_WEBHOOK_ALLOW: not a CIDR, address or host name: 'not a host'");
  });

  it('etcd: its settings are read only with CAIRN_ETCD_ENDPOINTS, and checked', () => {
    expect(readSettings({ CAIRN_ETCD_DRIFT: 'sometimes', CAIRN_ETCD_ENDPOINTS: '' }).etcd).toBeNull();
    expect(readSettings({ CAIRN_ETCD_ENDPOINTS: 'http://10.0.0.5:2379, http://10.0.0.6:2379' }).etcd).toEqual({
      endpoints: ['http://10.0.0.5:2379', 'http://10.0.0.6:2379'],
      auth: null,
      timeoutMs: 5000,
      root: '/cairn/',
      policy: 'report',
      operator: { name: 'Cairn etcd capture', email: 'etcd-capture@localhost' },
      maxKeys: 10_000,
      maxTxnOps: 128,
      queueLength: 100,
    });
    const env = {
      CAIRN_ETCD_ENDPOINTS: 'https://etcd.internal:2379',
      CAIRN_ETCD_PREFIX: '/config/',
      CAIRN_ETCD_USERNAME: 'cairn',
      CAIRN_ETCD_PASSWORD: 'secret',
      CAIRN_ETCD_DRIFT: 'Capture',
      CAIRN_ETCD_OPERATOR: 'Ops Robot <ops@example.com>',
    };
    expect(readSettings(env).etcd).toMatchObject({
      root: '/config/',
      auth: { username: 'cairn', password: 'secret' },
      policy: 'capture',
      operator: { name: 'Ops Robot', email: 'ops@example.com' },
    });
    expect(() => readSettings({ ...env, CAIRN_ETCD_DRIFT: 'sometimes' })).toThrow(/CAIRN_ETCD_DRIFT: must be one of report, capture, restore/);
    expect(() => readSettings({ ...env, CAIRN_ETCD_PREFIX: 'cairn' })).toThrow(/CAIRN_ETCD_PREFIX/);
    expect(() => readSettings({ ...env, CAIRN_ETCD_OPERATOR: 'nobody' })).toThrow(/CAIRN_ETCD_OPERATOR/);
    expect(() => readSettings({ ...env, CAIRN_ETCD_PASSWORD: '' })).toThrow('CAIRN_ETCD_USERNAME and CAIRN_ETCD_PASSWORD go together');
    expect(() => readSettings({ CAIRN_ETCD_ENDPOINTS: '10.0.0.5:2379' })).toThrow(/http\(s\):\/\/host:port/);
  });

  it('TLS: the certificate and key go together, resolved against the working directory', () => {
    expect(
      readSettings({ CAIRN_TLS_CERT: 'tls/cert.pem', CAIRN_TLS_KEY: '/etc/cairn/key.pem', CAIRN_TLS_TERMINATED_BY_PROXY: 'yes' }, '/srv/cairn'),
    ).toMatchObject({
      tls: { certFile: '/srv/cairn/tls/cert.pem', keyFile: '/etc/cairn/key.pem', reloadMs: 5000 },
      tlsTerminatedByProxy: true,
    });
    expect(() => readSettings({ CAIRN_TLS_CERT: 'cert.pem' })).toThrow('CAIRN_TLS_CERT and CAIRN_TLS_KEY go together');
    expect(() => readSettings({ CAIRN_TLS_KEY: 'key.pem', CAIRN_TLS_CERT: '' })).toThrow('CAIRN_TLS_CERT and CAIRN_TLS_KEY go together');
    expect(() => readSettings({ CAIRN_TLS_CERT: 'c', CAIRN_TLS_KEY: 'k', CAIRN_TLS_RELOAD_MS: '0' })).toThrow(/CAIRN_TLS_RELOAD_MS/);
  });

  it('replicas: the remote and Redis settings are read only with CAIRN_REMOTE_URL, and Redis needs it', () => {
    expect(readSettings({ CAIRN_REMOTE_POLL_MS: 'never', CAIRN_WEBHOOK_LEASE_MS: '0' }).cluster).toBeNull();
    expect(() => readSettings({ CAIRN_REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      'CAIRN_REDIS_URL needs CAIRN_REMOTE_URL: replicas share their history through the remote',
    );
    expect(readSettings({ CAIRN_REMOTE_URL: 'http://git.internal/config.git' }).cluster).toEqual({
      remoteUrl: 'http://git.internal/config.git',
      remoteUsername: null,
      remotePassword: null,
      remoteTimeoutMs: 30_000,
      pollMs: 5000,
      redisUrl: null,
      webhookLeaseMs: 15_000,
      rolloutLeaseMs: 15_000,
    });
    const env = {
      CAIRN_REMOTE_URL: 'https://git.internal/config.git',
      CAIRN_REMOTE_USERNAME: 'cairn',
      CAIRN_REMOTE_PASSWORD: 'token',
      CAIRN_REMOTE_TIMEOUT_MS: '1000',
      CAIRN_REMOTE_POLL_MS: '0',
      CAIRN_REDIS_URL: 'redis://127.0.0.1:6379',
      CAIRN_WEBHOOK_LEASE_MS: '3000',
      CAIRN_ROLLOUT_LEASE_MS: '2000',
    };
    expect(readSettings(env).cluster).toEqual({
      remoteUrl: 'https://git.internal/config.git',
      remoteUsername: 'cairn',
      remotePassword: 'token',
      remoteTimeoutMs: 1000,
      pollMs: 0,
      redisUrl: 'redis://127.0.0.1:6379',
      webhookLeaseMs: 3000,
      rolloutLeaseMs: 2000,
    });
    expect(() => readSettings({ CAIRN_REMOTE_URL: 'ftp://git.internal/config.git' })).toThrow("CAIRN_REMOTE_URL must be an http(s) URL, got 'ftp:'");
    expect(() => readSettings({ CAIRN_REMOTE_URL: 'git.internal' })).toThrow(TypeError);
    expect(() => readSettings({ ...env, CAIRN_WEBHOOK_LEASE_MS: '0' })).toThrow('CAIRN_WEBHOOK_LEASE_MS must be at least 1, got 0');
  });
});

describe("README's settings", () => {
  it('the configuration table is the one the declarations make (npm run docs:settings writes it)', () => {
    expect(README, 'docs/operations.md differs from the declarations: run npm run docs:settings').toBe(withSettingsTable(README));
  });

  it('every CAIRN_ variable the server names is declared, and so documented', () => {
    // The CLI's and the console's own variables (CAIRN_URL, CAIRN_TOKEN, …) are documented with them.
    const layers = ['domain', 'git', 'services', 'graphql', 'server'].map((layer) => path.join(ROOT, 'src', layer));
    const sources = layers.flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => path.join(dir, file)));
    const named = new Set(sources.filter((file) => file.endsWith('.ts')).flatMap((file) => readFileSync(file, 'utf8').match(/\bCAIRN_[A-Z0-9_]+\b/g) ?? []));
    expect([...named].filter((name) => !DECLARED.has(name))).toEqual([]);
  });

  it("the Limits table's bound for a setting is its declared default", () => {
    const limits = README.slice(README.indexOf('### Limits'), README.indexOf('\n## ', README.indexOf('### Limits')));
    const UNIT: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
    const compared = limits.split('\n').flatMap((line) => {
      // | what | bound | `CAIRN_X` | past it |: rows whose bound starts with a quantity and names one setting.
      const cells = line.split('|').map((cell) => cell.trim());
      const setting = /^`(CAIRN_[A-Z0-9_]+)`$/.exec(cells[3] ?? '')?.[1];
      const bound = /^([\d,]+)(?: (KiB|MiB|GiB)\b)?/.exec(cells[2] ?? '');
      if (!setting || !bound?.[1]) return [];
      const value = Number(bound[1].replaceAll(',', '')) * (UNIT[bound[2] ?? ''] ?? 1);
      return [{ setting, documented: value, declared: declaredDefault(DECLARED.get(setting) ?? expect.fail(`${setting} is not declared`)) }];
    });
    expect(compared.length).toBeGreaterThanOrEqual(10);
    for (const { setting, documented, declared } of compared) expect({ setting, documented }).toEqual({ setting, documented: declared });
  });
});
