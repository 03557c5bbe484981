/** What a probe saw: how long /healthz (or the probe's own timer, when the server shares its thread) waited. */
export interface ProbeFigures {
  readonly count: number;
  readonly max: number;
  readonly p99: number;
}

export interface HealthProbe {
  /** Stops probing and returns the waits seen, in milliseconds. */
  stop(): Promise<ProbeFigures>;
}

/**
 * Calls `/healthz` every `everyMs` and records how long each call waited. With the server in this process (the
 * harness), a stalled event loop also delays the probe's own timer: that lateness counts as a wait too, so a stall
 * that starts between two calls is not missed.
 */
export function startHealthProbe(url: string, everyMs = 50): HealthProbe {
  const waits: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${url}/healthz`).then((r) => r.text());
      waits.push(performance.now() - started);
      const planned = performance.now() + everyMs;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      waits.push(Math.max(0, performance.now() - planned));
    }
  })();
  // Marked handled at once: a failed probe (a reset connection) is reported by stop(), not as an unhandled rejection.
  loop.catch(() => undefined);
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...waits].sort((a, b) => a - b);
      return { count: waits.length / 2, max: sorted.at(-1) ?? 0, p99: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0 };
    },
  };
}
