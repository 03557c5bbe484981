import picomatch from 'picomatch';
import type { Outcome } from '../../client/follower.js';
import type { Snapshot, SnapshotCache } from '../../client/snapshot.js';
import { ConfigDirectory, type OnDisk } from './config-directory.js';
import { type CommandResult, describeFailure, runCommand } from './hook-command.js';
import type { LocalServer } from './local-server.js';

export interface AgentCommands {
  /** Run after the files are in service (reload the service): `sh -c`. */
  readonly exec: string | null;
  /** Run after --exec: exit 0 means the service runs the new version well. */
  readonly check: string | null;
  readonly timeoutMs: number;
  /** On a failed --exec or --check, put the previous files back in service (and run --exec for them). */
  readonly revertOnFailure: boolean;
}

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/**
 * What `cairn agent` does with a snapshot the follower hands it: the documents its --paths select written to --dir
 * as one version (one symlink swap), then --exec and --check, and what that came to. It is also the follower's cache:
 * the version in service on disk, verified, is what a restart serves before Cairn answers.
 */
export class AgentApplier implements SnapshotCache<string> {
  readonly directory: ConfigDirectory;
  private readonly selects: (path: string) => boolean;

  constructor(
    dir: string,
    selection: string,
    paths: readonly string[],
    private readonly commands: AgentCommands,
    private readonly local: LocalServer | null,
    private readonly log: Log,
  ) {
    this.directory = new ConfigDirectory(dir, `${selection}|${[...paths].sort().join(',')}`);
    this.selects = paths.length === 0 ? () => true : picomatch([...paths], { dot: true });
  }

  /** The copy in service on disk, if it verifies (the follower applies it at start with `cached`). */
  async load(): Promise<Snapshot<string> | null> {
    const found = await this.directory.load();
    if (!found) return null;
    this.onDisk = found;
    return found.snapshot;
  }

  /** Already on disk: apply() wrote it. */
  async save(): Promise<void> {}

  private onDisk: OnDisk | null = null;

  /**
   * Makes `next` the version in service and says what that came to. A failure of the agent's own (a full disk, a
   * file in the way) is FAILED with its reason, as a failing --check is: reported, not retried in a loop.
   */
  async apply(next: Snapshot<string>, cached: boolean): Promise<Outcome> {
    try {
      return cached ? await this.resume(next) : await this.put(next);
    } catch (error) {
      const message = `cannot put ${next.version} in service: ${error instanceof Error ? error.message : String(error)}`;
      this.log('error', message);
      return { status: 'FAILED', message };
    }
  }

  /** The copy on disk at start: served at once; if the agent stopped before --exec and --check finished, run them. */
  private async resume(next: Snapshot<string>): Promise<Outcome> {
    this.local?.serve(next);
    const onDisk = this.onDisk;
    if (onDisk === null || onDisk.outcome.status !== 'PENDING') return (onDisk?.outcome as Outcome | undefined) ?? { status: 'APPLIED', message: null };
    const outcome = await this.reload(next.version);
    await this.directory.recordOutcome(onDisk.directory, outcome);
    return outcome;
  }

  private async put(next: Snapshot<string>): Promise<Outcome> {
    const selected: Snapshot<string> = { version: next.version, documents: this.select(next.documents) };
    const previous = await this.directory.inService();
    const before = previous === null ? null : await this.directory.load();
    // A version that changes none of this agent's files needs no reload, unless what is in service did not apply.
    const unchanged = before !== null && before.outcome.status === 'APPLIED' && sameDocuments(before.snapshot.documents, selected.documents);
    const written = await this.directory.write(selected);
    this.local?.serve(selected);
    const outcome = unchanged ? { status: 'APPLIED' as const, message: null } : await this.reload(selected.version);
    await this.directory.recordOutcome(written, outcome);
    if (outcome.status === 'FAILED' && this.commands.revertOnFailure && previous !== null && before !== null) {
      await this.directory.serve(previous);
      this.local?.serve(before.snapshot);
      this.log('warn', 'reverted to the previous files', { version: before.snapshot.version, failed: selected.version });
      const again = await this.reload(before.snapshot.version);
      await this.directory.recordOutcome(previous, again);
      await this.directory.prune(new Set([previous, written]));
      return {
        status: 'FAILED',
        message: `${outcome.message ?? ''}; reverted to ${before.snapshot.version}${again.status === 'FAILED' ? ` (${again.message})` : ''}`,
      };
    }
    await this.directory.prune(new Set(previous === null ? [written] : [previous, written]));
    return outcome;
  }

  /** --exec then --check, for the version now in service. */
  private async reload(version: string): Promise<Outcome> {
    const env = { CAIRN_VERSION: version, CAIRN_DIR: this.directory.root };
    for (const [flag, command] of [
      ['--exec', this.commands.exec],
      ['--check', this.commands.check],
    ] as const) {
      if (command === null) continue;
      const result: CommandResult = await runCommand(command, env, this.commands.timeoutMs);
      if (result.exitCode !== 0) return { status: 'FAILED', message: describeFailure(flag, result) };
    }
    return { status: 'APPLIED', message: null };
  }

  private select(documents: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(documents).filter(([path]) => this.selects(path)));
  }
}

function sameDocuments(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

/**
 * The one prefix the server can filter the bundle on for these globs: the longest folder all of them start in
 * (`services/api/**` → `services/api/`); '' when they share none.
 */
export function prefixOf(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  const bases = paths.map((glob) => {
    const scan = picomatch.scan(glob);
    return scan.isGlob ? (scan.base ? `${scan.base}/` : '') : glob;
  });
  let prefix = bases[0] ?? '';
  for (const base of bases) while (!base.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
