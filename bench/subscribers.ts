import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { median, percentile } from './measure.js';
import { NPM_START_FLAGS, startServerProcess } from './server-process.js';
import type { ClientsCommand, ClientsReport } from './subscriber-clients.js';

const ROUNDS = 20;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;
const SUBSCRIPTION = 'subscription { changes(namespace: "subs") { version } }';

const epochNow = (): number => performance.timeOrigin + performance.now();

/** The clients' process: it reports once it is subscribed, then once per round with every client's arrival time. */
class SubscriberClients {
  private readonly child: ChildProcess;
  private readonly reports: ClientsReport[] = [];
  private waiting: (() => void) | null = null;

  constructor() {
    this.child = fork(path.join(import.meta.dirname, 'subscriber-clients.ts'), { execArgv: ['--import', 'tsx'] });
    this.child.on('message', (report: ClientsReport) => {
      this.reports.push(report);
      this.waiting?.();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  command(command: ClientsCommand): void {
    this.child.send(command);
  }

  async next(timeoutMs: number): Promise<ClientsReport> {
    const deadline = Date.now() + timeoutMs;
    while (this.reports.length === 0) {
      if (Date.now() > deadline) throw new Error('subscriber clients: no report in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.reports.shift()!;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.command({ stop: true });
    await exited;
  }
}

/** Seconds of CPU (user and system) the process used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Polls the server's own gauge: connected is not yet subscribed. */
async function untilSubscribed(url: string, count: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const active = Number(/cairn_graphql_subscriptions_active\{transport="ws"\} (\d+)/.exec(text)?.[1] ?? 0);
    if (active >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('subscribers did not all subscribe');
}

/**
 * One change event to many graphql-ws subscribers (issue 17), through a server process, the clients in a third
 * process (their parsing does not delay the bench's clock): ROUNDS commits one after the other. Latency is from the
 * commit, taken as the putConfig's answer reaching the bench (the event is built and sent after the write is
 * acknowledged, so all of that is inside; a delivery may even arrive first), to each client's arrival. Beside it: the
 * same from sending the put (its target adds the put's own latency, measured alone first), and the server's CPU per
 * commit, the put and everything its event costs. BENCH_ROUNDS=1 prints each round.
 */
export async function benchSubscribers(count: number, record: Record): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-subscribers-'));
  const server = await startServerProcess(dir, {}, process.env.BENCH_PROFILE ? [...NPM_START_FLAGS, '--cpu-prof', '--cpu-prof-dir=/tmp/prof-subs'] : undefined);
  const clients = new SubscriberClients();
  try {
    const gql = graphqlClient(server.url);
    await gql(`mutation { createNamespace(input: { name: "subs" }) { __typename } }`);
    let version: string | null = null;
    const put = async (content: object): Promise<void> => {
      const res = await gql<{ putConfig: { __typename: string; version?: { hash: string } } }>(PUT, {
        input: { namespace: 'subs', path: 'app.json', content, expectedVersion: version },
      });
      if (!res.putConfig.version) throw new Error(`put failed: ${res.putConfig.__typename}`);
      version = res.putConfig.version.hash;
    };
    await put({ round: -1 });
    // The put alone, before anyone subscribes: its latency is what "from sending" adds to "from the commit".
    const alone: number[] = [];
    const cpuAlone = cpuSeconds(server.child.pid!);
    for (let i = 0; i < ROUNDS; i += 1) {
      const sent = epochNow();
      await put({ alone: i });
      alone.push(epochNow() - sent);
    }
    const cpuPerPutAlone = ((cpuSeconds(server.child.pid!) - cpuAlone) / ROUNDS) * 1000;
    clients.command({ start: { url: server.url, count, query: SUBSCRIPTION } });
    await clients.next(60_000);
    await untilSubscribed(server.url, count);
    // One round first, not measured: the first event through the delivery path compiles it (once per process).
    await put({ round: 'warm-up' });
    await clients.next(10_000);
    const fromAnswer: number[] = [];
    const fromSending: number[] = [];
    const lastFromAnswer: number[] = [];
    const cpuBefore = cpuSeconds(server.child.pid!);
    const clientsCpuBefore = cpuSeconds(clients.pid);
    const roundsFrom = process.hrtime.bigint() / 1000n;
    for (let round = 0; round < ROUNDS; round += 1) {
      const sent = epochNow();
      await put({ round });
      const answered = epochNow();
      const report = await clients.next(10_000);
      if (!('arrivals' in report) || report.round !== round + 1) throw new Error(`unexpected report ${JSON.stringify(report).slice(0, 100)}`);
      for (const arrival of report.arrivals) {
        fromAnswer.push(arrival - answered);
        fromSending.push(arrival - sent);
      }
      lastFromAnswer.push(Math.max(...report.arrivals) - answered);
      if (process.env.BENCH_ROUNDS) {
        const [first, last] = [Math.min(...report.arrivals) - answered, Math.max(...report.arrivals) - answered];
        console.log(`  round ${round}: put ${(answered - sent).toFixed(0)} ms, then first delivery ${first.toFixed(0)} ms, last ${last.toFixed(0)} ms`);
      }
    }
    // The window to read in the server's profile (microseconds of the monotonic clock, as in .cpuprofile files).
    if (process.env.BENCH_PROFILE) console.log(`  rounds between ${roundsFrom} and ${process.hrtime.bigint() / 1000n} µs`);
    const cpuPerCommit = ((cpuSeconds(server.child.pid!) - cpuBefore) / ROUNDS) * 1000;
    const clientsCpuPerCommit = ((cpuSeconds(clients.pid) - clientsCpuBefore) / ROUNDS) * 1000;
    const label = `${count.toLocaleString('en')} graphql-ws subscribers`;
    const putAlone = median(alone);
    // The clients share the machine: when they need as much CPU per event as the server, they bound the figures too.
    console.log(`  (the ${count.toLocaleString('en')} clients' process: CPU ${clientsCpuPerCommit.toFixed(1)} ms per event received by all)`);
    console.log(`  (putConfig alone, nobody subscribed: p50 ${putAlone.toFixed(1)} ms, server CPU ${cpuPerPutAlone.toFixed(1)} ms per put)`);
    record(count, `commit to delivery, ${label} (p50)`, 'ms', percentile(fromAnswer, 50), null, null, '<= 100');
    record(count, `commit to delivery, ${label} (p99)`, 'ms', percentile(fromAnswer, 99), null, null, '<= 100');
    record(count, `commit to last delivery, ${label} (median of rounds)`, 'ms', median(lastFromAnswer), null, null, '<= 100');
    const withPut = `<= ${Math.round(100 + putAlone)}`;
    record(count, `put sent to delivery, ${label} (p99)`, 'ms', percentile(fromSending, 99), null, null, withPut);
    // The whole fan-out must fit in the latency goal: the server's CPU per commit (the put and its event) is its floor.
    record(count, `server CPU per commit (put and event), ${label}`, 'ms', cpuPerCommit, null, null, '<= 100');
  } finally {
    await clients.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
