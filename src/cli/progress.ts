/** Progress of long work, on stderr and only when stderr is a terminal (never in --json output or logs). */
export interface Progress {
  advance(by: number): void;
  stop(): void;
}

const SILENT: Progress = { advance: () => undefined, stop: () => undefined };

/** cli-progress (and the string-width packages under it) is loaded only for a terminal: scripts and tests never pay for it. */
export async function startProgress(label: string, total: number, options: { json: boolean; stream?: NodeJS.WriteStream }): Promise<Progress> {
  const stream = options.stream ?? process.stderr;
  if (options.json || stream.isTTY !== true || total <= 0) return SILENT;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream, format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    advance: (by) => bar.increment(by),
    stop: () => bar.stop(),
  };
}
