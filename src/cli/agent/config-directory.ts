import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, readdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Outcome } from '../../client/follower.js';
import type { Snapshot } from '../../client/snapshot.js';

/** The symlink readers go through: it names the version directory in service, and moves in one rename. */
export const DATA_LINK = '..data';
/** In each version directory: its version and every file's SHA-256, checked before the copy is served again. */
export const STATE_FILE = '..cairn-state.json';
/** In each version directory: what applying it came to (written after --exec and --check ran). */
const OUTCOME_FILE = '..cairn-outcome.json';

interface State {
  /** What the copy is of (namespace, environment, cluster, instance, paths): another agent's copy is not ours. */
  readonly selection: string;
  readonly version: string;
  readonly files: Record<string, string>;
}

/** What applying a version directory came to; PENDING while --exec and --check have not finished. */
export type OutcomeOnDisk = Outcome | { readonly status: 'PENDING'; readonly message: null };

const PENDING: OutcomeOnDisk = { status: 'PENDING', message: null };

/** A version directory's name: the version's first 12 digits and a random suffix (the same version may come again). */
const VERSION_DIRECTORY = /^\.\.[0-9a-f]{12}_[0-9a-f]{8}$/;

/** The copy on disk a restart starts from: the snapshot, and what applying it came to. */
export interface OnDisk {
  readonly snapshot: Snapshot<string>;
  readonly outcome: OutcomeOnDisk;
  readonly directory: string;
}

/**
 * An agent's `--dir`, laid out as Kubernetes lays out a ConfigMap volume: each version is written whole into a new
 * hidden directory (`..<version>_<random>`), then the `..data` symlink is replaced in one rename, so a reader that
 * resolves `..data` once sees one version, never a mix. The top-level entries (`services`, `app.yaml`) are symlinks
 * through `..data`, so `<dir>/services/api/prod.yaml` is always the version in service. The previous version's
 * directory is kept (for `--revert-on-failure`), older ones removed.
 */
export class ConfigDirectory {
  constructor(
    readonly root: string,
    private readonly selection: string,
  ) {}

  /** The version directory `..data` names; null before the first write. */
  async inService(): Promise<string | null> {
    try {
      return await readlink(path.join(this.root, DATA_LINK));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /**
   * The copy in service, when its state file verifies: the same selection, every file there with its recorded hash.
   * Else null (and the copy is not served: it is replaced by the first version the server gives).
   */
  async load(): Promise<OnDisk | null> {
    const directory = await this.inService();
    if (directory === null) return null;
    const folder = path.join(this.root, directory);
    try {
      const state = JSON.parse(await readFile(path.join(folder, STATE_FILE), 'utf8')) as State;
      if (state.selection !== this.selection) return null;
      const documents: Record<string, string> = {};
      for (const [file, hash] of Object.entries(state.files)) {
        const text = await readFile(path.join(folder, safePath(file)), 'utf8');
        if (sha256(text) !== hash) return null;
        documents[file] = text;
      }
      // No outcome: the agent stopped before it wrote one; what it did not see finish is not taken as applied.
      const outcome = await readFile(path.join(folder, OUTCOME_FILE), 'utf8')
        .then((text) => JSON.parse(text) as OutcomeOnDisk)
        .catch(() => PENDING);
      return { snapshot: { version: state.version, documents }, outcome, directory };
    } catch {
      return null;
    }
  }

  /** Writes `snapshot` into a new version directory and puts it in service; answers that directory's name. */
  async write(snapshot: Snapshot<string>): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(snapshot.version)) throw new Error(`'${snapshot.version}' is not a version`);
    await mkdir(this.root, { recursive: true });
    // Refused before anything is in service: a file of someone else's in the way of a top-level link.
    for (const name of new Set(Object.keys(snapshot.documents).map((file) => safePath(file).split('/')[0]!))) await this.checkLinkable(name);
    const directory = `..${snapshot.version.slice(0, 12)}_${randomBytes(4).toString('hex')}`;
    const folder = path.join(this.root, directory);
    try {
      const files: Record<string, string> = {};
      for (const [file, text] of Object.entries(snapshot.documents)) {
        const target = path.join(folder, safePath(file));
        await mkdir(path.dirname(target), { recursive: true });
        await durableWrite(target, text);
        files[file] = sha256(text);
      }
      await durableWrite(
        path.join(folder, STATE_FILE),
        JSON.stringify({ selection: this.selection, version: snapshot.version, files } satisfies State, null, 2),
      );
      await durableWrite(path.join(folder, OUTCOME_FILE), JSON.stringify(PENDING));
    } catch (error) {
      // A version half written (a full disk) is not left behind, nor put in service.
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    await this.serve(directory);
    return directory;
  }

  /** Records what applying the version directory came to. */
  async recordOutcome(directory: string, outcome: OutcomeOnDisk): Promise<void> {
    await durableWrite(path.join(this.root, directory, OUTCOME_FILE), JSON.stringify(outcome));
  }

  /**
   * Puts `directory` in service: `..data` replaced by one rename (atomic on POSIX), then the top-level links made
   * for its entries and removed for entries it no longer has.
   */
  async serve(directory: string): Promise<void> {
    const temporary = path.join(this.root, `..data_${randomBytes(4).toString('hex')}`);
    await symlink(directory, temporary);
    await rename(temporary, path.join(this.root, DATA_LINK));
    await syncDirectory(this.root);
    const entries = new Set((await readdir(path.join(this.root, directory))).filter((name) => !name.startsWith('..')));
    for (const name of entries) await this.link(name);
    for (const name of await readdir(this.root)) {
      if (name.startsWith('..') || entries.has(name)) continue;
      const stat = await lstat(path.join(this.root, name));
      // Only our own links go: anything else in --dir was put there by someone else.
      if (stat.isSymbolicLink() && (await readlink(path.join(this.root, name))) === path.join(DATA_LINK, name)) await unlink(path.join(this.root, name));
    }
  }

  /** Removes every version directory but those named (only the agent's own: nothing else in --dir is touched). */
  async prune(keep: ReadonlySet<string>): Promise<void> {
    for (const name of await readdir(this.root)) {
      if (!VERSION_DIRECTORY.test(name) || keep.has(name)) continue;
      await rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }

  private async checkLinkable(name: string): Promise<void> {
    const found = await lstat(path.join(this.root, name)).catch(() => null);
    if (found && !found.isSymbolicLink()) throw new Error(`${path.join(this.root, name)} exists and is not the agent's: move it out of --dir`);
  }

  private async link(name: string): Promise<void> {
    const at = path.join(this.root, name);
    const wanted = path.join(DATA_LINK, name);
    const found = await lstat(at).catch(() => null);
    if (found?.isSymbolicLink() && (await readlink(at)) === wanted) return;
    await this.checkLinkable(name);
    const temporary = `${at}.cairn-link`;
    await rm(temporary, { force: true });
    await symlink(wanted, temporary);
    await rename(temporary, at);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A document path as a relative path inside the version directory; anything that could leave it is refused. */
function safePath(file: string): string {
  const normal = path.posix.normalize(file);
  if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal) || normal.split('/').some((part) => part.startsWith('..')))
    throw new Error(`refusing to write '${file}' outside the version directory`);
  return normal;
}

/** Written and flushed: a crash right after the swap cannot leave an empty file behind a state file naming it. */
async function durableWrite(file: string, text: string): Promise<void> {
  await writeFile(file, text);
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
