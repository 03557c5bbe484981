import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The subscriber bench's clients, in a process of their own (bench/subscribers.ts forks it): parsing a thousand
 * messages per event here must not delay the bench process that times the commit. Arrival times are epoch
 * milliseconds (timeOrigin + now), comparable across processes on one machine.
 */
export type ClientsCommand = { readonly start: { readonly url: string; readonly count: number; readonly query: string } } | { readonly stop: true };
export type ClientsReport = { readonly subscribed: true } | { readonly round: number; readonly arrivals: readonly number[] };

const epochNow = (): number => performance.timeOrigin + performance.now();

function send(report: ClientsReport): void {
  process.send?.(report);
}

async function subscribeAll(url: string, count: number, query: string): Promise<Client[]> {
  const arrivals: number[][] = Array.from({ length: count }, () => []);
  const arrivedPerRound: number[] = [];
  let reported = 0;
  // Reported once every client has the round's event: one message per round, not per delivery.
  const arrived = (i: number): void => {
    const round = arrivals[i]!.push(epochNow()) - 1;
    arrivedPerRound[round] = (arrivedPerRound[round] ?? 0) + 1;
    while (arrivedPerRound[reported] === count) {
      send({ round: reported, arrivals: arrivals.map((a) => a[reported]!) });
      reported += 1;
    }
  };
  const clients = Array.from({ length: count }, () =>
    createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 }),
  );
  let connected = 0;
  await new Promise<void>((resolve) => {
    clients.forEach((client, i) => {
      client.on('connected', () => {
        connected += 1;
        if (connected === count) resolve();
      });
      client.subscribe({ query }, { next: () => arrived(i), error: () => undefined, complete: () => undefined });
    });
  });
  return clients;
}

let clients: Client[] = [];
process.on('message', (command: ClientsCommand) => {
  if ('start' in command) {
    const { url, count, query } = command.start;
    void subscribeAll(url, count, query).then((opened) => {
      clients = opened;
      send({ subscribed: true });
    });
  } else {
    void Promise.all(clients.map((c) => c.dispose())).then(() => process.exit(0));
  }
});
