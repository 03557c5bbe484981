/** One sample of Prometheus' text exposition format (what prom-client writes). */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the exposition text: comments skipped, label values unescaped, every line must parse. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** A parsed scrape; `value` sums the samples of `name` whose labels include `labels` (0 when none). */
export class Scrape {
  constructor(
    readonly samples: readonly Sample[],
    readonly text: string,
  ) {}

  value(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.matching(name, labels).length > 0;
  }

  private matching(name: string, labels: Record<string, string>): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }
}

export async function scrape(baseUrl: string, token?: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain')) throw new Error(`/metrics content type ${res.headers.get('content-type')}`);
  return new Scrape(parseExposition(text), text);
}

/** Scrapes until `condition` holds (metrics recorded after a response was sent, or by a background worker). */
export async function scrapeUntil(baseUrl: string, condition: (s: Scrape) => boolean, timeoutMs = 10_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await scrape(baseUrl);
    if (condition(current)) return current;
    if (Date.now() > deadline)
      throw new Error(
        `metrics never matched; last scrape:\n${current.text
          .split('\n')
          .filter((l) => l.startsWith('cairn_'))
          .join('\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
