import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'node:http';
import type { Record } from './import-export.js';
import { percentile } from './measure.js';
import { NPM_START_FLAGS, startServerProcess } from './server-process.js';

const INSTANCES = 10_000;
const REPORTS_PER_SECOND = Number(process.env.BENCH_REPORTS_PER_SECOND ?? 1_000);
const SECONDS = 10;
const DESIRED_PER_SECOND = 100;

const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ... on WritePayload { version { hash } } } }`;
const DEFINE = `mutation($input: DefineEnvironmentInput!) { defineEnvironment(input: $input) { ... on WritePayload { status } } }`;
const RELEASE = `mutation($input: ReleaseInput!) { release(input: $input) { ... on WritePayload { version { hash } } } }`;
const PROMOTE = `mutation($input: RolloutCommandInput!) { promoteRollout(input: $input) { ... on WritePayload { status } } }`;
const REPORT = `mutation($input: InstanceReportInput!) { reportInstance(input: $input) { ... on Instance { desiredVersion } ... on Error { code } } }`;
const DESIRED = `query($input: InstanceInput!) { desiredState(input: $input) { ... on DesiredStateSuccess { data { version { hash } } } ... on Error { code } } }`;
const FLOOR = '{ __typename }';

/**
 * The convergence loop at fleet scale, against the built server in its own process: 10,000 instances each reporting
 * every 10 s (1,000 reports a second, open loop: sent on schedule whatever the answers' pace) while 100 desired-state
 * questions a second are asked, during a rollout (every answer places the instance in its step). Timed in steady
 * state: after a first round in which every instance reported once. Beside each
 * figure, the same load's `{ __typename }`: what any GraphQL request over HTTP costs here, the floor.
 */
export async function benchInstances(record: Record): Promise<void> {
  // Twice: over GraphQL against the server as `npm start` runs it (size-optimized V8: half the memory), and as a
  // server facing a fleet runs (docs/performance.md, "Performance"): V8's defaults, the agents on the HTTP API.
  await benchFleet(record, NPM_START_FLAGS, 'graphql', '');
  await benchFleet(record, [], 'agent-api', ', agent API, V8 defaults');
}

async function benchFleet(record: Record, nodeFlags: readonly string[], transport: 'graphql' | 'agent-api', label: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-instances-'));
  const server = await startServerProcess(dir, { CAIRN_MAX_INSTANCES: String(INSTANCES * 2) }, nodeFlags);
  // Kept-alive sockets, as a fleet's agents hold theirs; node:http rather than fetch, whose per-request cost here
  // would be the bench's own, not the server's.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const gql = <T>(query: string, variables: object = {}): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.url}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { data?: T; errors?: unknown };
          if (body.data) resolve(body.data);
          else reject(new Error(`GraphQL error: ${JSON.stringify(body.errors)}`));
        });
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query, variables }));
    });
  try {
    const versions: string[] = [];
    for (let i = 1; i <= 2; i += 1) {
      const input = { namespace: 'fleet', path: 'app.json', content: { replicas: i }, expectedVersion: versions.at(-1) ?? null };
      if (i === 1) await gql(`mutation { createNamespace(input: { name: "fleet" }) { __typename } }`);
      versions.push((await gql<{ putConfig: { version: { hash: string } } }>(PUT, { input })).putConfig.version.hash);
    }
    await gql(DEFINE, { input: { namespace: 'fleet', name: 'prod', expectedVersion: versions[1] } });
    const first = await gql<{ release: { version: { hash: string } } }>(RELEASE, { input: { namespace: 'fleet', environment: 'prod', version: versions[0] } });
    const strategy = { steps: [50, 100], bakeSeconds: 3600 };
    await gql(RELEASE, { input: { namespace: 'fleet', environment: 'prod', version: versions[1], strategy, expectedRelease: first.release.version.hash } });

    const instance = (i: number) => ({ namespace: 'fleet', environment: 'prod', id: `pod-${i}`, cluster: `c${i % 8}` });
    const timed = async (query: string, variables: object): Promise<number> => {
      const started = performance.now();
      await gql(query, variables);
      return performance.now() - started;
    };
    /** One request to the agents' HTTP API (src/server/agent-api.ts): the same use cases as GraphQL's, without it. */
    const timedHttp = (method: 'GET' | 'POST', path: string, body?: object): Promise<number> =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const req = request(`${server.url}${path}`, { method, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`agent API: HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    const fleetApi = {
      graphql: {
        report: (i: number) => timed(REPORT, { input: { ...instance(i), version: versions[0], status: 'APPLIED' } }),
        desired: (i: number) => timed(DESIRED, { input: instance(i) }),
      },
      'agent-api': {
        report: (i: number) =>
          timedHttp('POST', '/v1/environments/fleet/prod/reports', {
            instance: `pod-${i}`,
            cluster: `c${i % 8}`,
            version: versions[0],
            status: 'APPLIED',
          }),
        desired: (i: number) => timedHttp('GET', `/v1/environments/fleet/prod/desired?instance=pod-${i}&cluster=c${i % 8}`),
      },
    }[transport];
    /** The fleet's load for `seconds`: open loop, each request sent on schedule whatever the answers' pace. */
    const drive = async (seconds: number): Promise<[number[], number[], number[]]> => {
      const reports: Promise<number>[] = [];
      const desired: Promise<number>[] = [];
      const floor: Promise<number>[] = [];
      const began = performance.now();
      for (let n = 0; n < REPORTS_PER_SECOND * seconds; n += 1) {
        const due = began + (n * 1000) / REPORTS_PER_SECOND;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const i = n % INSTANCES;
        reports.push(fleetApi.report(i));
        if (n % (REPORTS_PER_SECOND / DESIRED_PER_SECOND) === 0) {
          desired.push(fleetApi.desired((i * 7919) % INSTANCES));
          floor.push(timed(FLOOR, {}));
        }
      }
      return Promise.all([Promise.all(reports), Promise.all(desired), Promise.all(floor)]);
    };
    // Steady state is what is measured: a first round in which every instance reports once (and the server's code
    // warms up, and the sockets open), then a second, timed.
    await drive(INSTANCES / REPORTS_PER_SECOND);
    const [reportMs, desiredMs, floorMs] = await drive(SECONDS);
    const floorP99 = percentile(floorMs, 99);
    record(
      INSTANCES,
      `instance report at ${REPORTS_PER_SECOND}/s (p99${label})`,
      'ms',
      percentile(reportMs, 99),
      floorP99,
      '{ __typename } under the same load',
      '<= 20',
    );
    record(INSTANCES, `desired version, same load (p99${label})`, 'ms', percentile(desiredMs, 99), floorP99, '{ __typename } under the same load', '<= 5');

    // A step transition: how long until the next question an instance asks sees it.
    const transition = performance.now();
    await gql(PROMOTE, { input: { namespace: 'fleet', environment: 'prod' } });
    for (let i = 0; ; i += 1) {
      const answer = await gql<{ desiredState: { data: { version: { hash: string } } } }>(DESIRED, { input: instance(i) });
      if (answer.desiredState.data.version.hash === versions[1]) break;
    }
    record(INSTANCES, `step transition → seen by the next poll${label}`, 'ms', performance.now() - transition, null, null, '<= 1000');
  } finally {
    agent.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
