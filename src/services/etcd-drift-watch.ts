import type { DriftPolicy, EtcdDrift } from '../domain/etcd-drift.js';
import { type PublishedMark, environmentOfKey, environmentPrefix, meaningOfKey, parseMark, versionKeyOf } from '../domain/etcd-keys.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { EtcdCapture } from './etcd-capture.js';
import type { EtcdContents, PublishedDocument } from './etcd-contents.js';
import { type EtcdEntry, type EtcdPort, EtcdUnavailableError } from './etcd-port.js';
import type { EnvironmentEvents } from './environment-events.js';
import { giveWay } from './event-loop-turn.js';
import type { Logger } from './logger.js';

export interface DriftWatchOptions {
  /** CAIRN_ETCD_PREFIX */
  readonly root: string;
  /** CAIRN_ETCD_DRIFT */
  readonly policy: DriftPolicy;
  /** CAIRN_ETCD_MAX_KEYS */
  readonly maxKeys: number;
  readonly clock: () => number;
}

/** What etcd's version key held at an environment's last check. */
export interface HeldRelease {
  readonly mark: PublishedMark | null;
  /** The version key's modification revision. */
  readonly revision: number;
}

interface WatchedEnvironment {
  readonly namespace: string;
  readonly environment: string;
  /** Drifted keys now, by key. */
  readonly drifts: Map<string, EtcdDrift>;
  /** When watched keys were deleted (etcd keeps no revision on a key that is gone). */
  readonly deletedAt: Map<string, number>;
  held: HeldRelease | null;
  checking: Promise<void> | null;
  again: boolean;
}

/** Compared between two checks: a drift seen again at the same revision with the same value is the same drift. */
type Observed = Omit<EtcdDrift, 'status' | 'capturedVersion' | 'message' | 'detectedAt'>;

/**
 * Detects edits made in etcd outside Cairn. The watch on the whole prefix tells which environment changed; each
 * environment is then checked as a whole (one read of its prefix, compared with the documents of the version its
 * version key names), one check at a time, another one following if etcd changed meanwhile. A key whose value is not
 * the one published is drift: reported on `Environment.etcd` and as a DRIFT event on `environmentEvents` each time it
 * appears, changes status or goes away; then, by CAIRN_ETCD_DRIFT, captured into main or restored (a transaction
 * compare-and-swapped on the key and the version key, so it never undoes a publication or a newer edit). Cairn's own
 * publications are never drift: the check compares with the release the version key names, which they write with it.
 */
export class EtcdDriftWatch {
  private readonly environments = new Map<string, WatchedEnvironment>();
  /** Drifts being captured or restored: a check meanwhile keeps them, and one more check follows each. */
  private readonly acting = new Set<EtcdDrift>();
  private stopped = false;

  constructor(
    private readonly port: EtcdPort,
    private readonly store: RepositoryStore,
    private readonly contents: EtcdContents,
    private readonly capturer: EtcdCapture,
    private readonly events: EnvironmentEvents,
    private readonly options: DriftWatchOptions,
    private readonly logger: Logger,
  ) {}

  /** Watches an environment Cairn publishes (from its first publication, or found at start) and checks it now. */
  track(namespace: string, environment: string): void {
    this.check(this.watched(namespace, environment));
  }

  /** From the etcd watch: a key changed. */
  changed(key: string, revision: number, deleted: boolean): void {
    const at = environmentOfKey(this.options.root, key);
    const watched = at ? this.environments.get(`${at.namespace}\0${at.environment}`) : undefined;
    if (!watched) return;
    if (deleted) watched.deletedAt.set(key, revision);
    else watched.deletedAt.delete(key);
    this.check(watched);
  }

  /** From the etcd watch: it reconnected and may have missed changes. */
  resumed(): void {
    for (const watched of this.environments.values()) this.check(watched);
  }

  drifts(namespace: string, environment: string): EtcdDrift[] {
    const watched = this.environments.get(`${namespace}\0${environment}`);
    return watched ? [...watched.drifts.values()].sort((a, b) => (a.key < b.key ? -1 : 1)) : [];
  }

  held(namespace: string, environment: string): HeldRelease | null {
    return this.environments.get(`${namespace}\0${environment}`)?.held ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.environments.values()].map((w) => w.checking));
  }

  private watched(namespace: string, environment: string): WatchedEnvironment {
    const key = `${namespace}\0${environment}`;
    let watched = this.environments.get(key);
    if (!watched) {
      watched = { namespace, environment, drifts: new Map(), deletedAt: new Map(), held: null, checking: null, again: false };
      this.environments.set(key, watched);
    }
    return watched;
  }

  private check(watched: WatchedEnvironment): void {
    if (this.stopped) return;
    if (watched.checking) {
      watched.again = true;
      return;
    }
    watched.checking = (async () => {
      do {
        watched.again = false;
        await this.checkOnce(watched);
      } while (watched.again && !this.stopped);
    })()
      .catch((error: unknown) => {
        // etcd down: the watch says when it is back (resumed), and everything is checked again then.
        if (!(error instanceof EtcdUnavailableError)) {
          this.logger.warn({ err: error, namespace: watched.namespace, environment: watched.environment }, 'could not check etcd for drift');
        }
      })
      .finally(() => {
        watched.checking = null;
      });
  }

  private async checkOnce(watched: WatchedEnvironment): Promise<void> {
    const { namespace, environment } = watched;
    const prefix = environmentPrefix(this.options.root, namespace, environment);
    const versionKey = versionKeyOf(this.options.root, namespace, environment);
    const range = await this.port.range(prefix, this.options.maxKeys * 2);
    const markEntry = range.entries.find((e) => e.key === versionKey);
    if (!markEntry) {
      // Nothing published there yet (or everything deleted, the version key with it): the next publication writes it all.
      watched.held = null;
      this.settle(watched, new Map(), new Map(), null);
      return;
    }
    const mark = parseMark(markEntry.value);
    watched.held = { mark, revision: markEntry.modRevision };
    const observed = new Map<string, Observed>();
    const base = { namespace, environment };
    if (!mark) {
      // The version key was edited by hand: what the rest should hold is unknown until the next publication rewrites it.
      observed.set(versionKey, {
        ...base,
        key: versionKey,
        cluster: null,
        path: null,
        revision: markEntry.modRevision,
        releasedValue: null,
        foundValue: markEntry.value,
      });
      this.settle(watched, observed, new Map(), null);
      return;
    }
    const repo = await this.store.get(namespace);
    // A version this replica has not pulled yet is judged once it has.
    if (!repo?.mainCommit(mark.version)) return;
    const documents = await this.contents.documents(repo, environment, mark.version);
    const found = new Map<string, EtcdEntry>(range.entries.filter((e) => e.key !== versionKey).map((e) => [e.key, e]));
    let compared = 0;
    for (const document of documents.values()) {
      const entry = found.get(document.key);
      if (entry?.value !== document.text) {
        const revision = entry?.modRevision ?? watched.deletedAt.get(document.key) ?? range.revision;
        observed.set(document.key, {
          ...base,
          key: document.key,
          cluster: document.cluster,
          path: document.path,
          revision,
          releasedValue: document.text,
          foundValue: entry?.value ?? null,
        });
      }
      if (++compared % 1000 === 0) await giveWay();
    }
    for (const entry of found.values()) {
      if (documents.has(entry.key)) continue;
      const meaning = meaningOfKey(prefix, entry.key);
      const place = meaning.kind === 'document' ? { cluster: meaning.cluster, path: meaning.path } : { cluster: null, path: null };
      observed.set(entry.key, { ...base, key: entry.key, ...place, revision: entry.modRevision, releasedValue: null, foundValue: entry.value });
    }
    this.settle(watched, observed, documents, markEntry.modRevision);
  }

  /** Updates the environment's drifts to what was observed: events for each that appeared or went, and the policy for the new. */
  private settle(
    watched: WatchedEnvironment,
    observed: ReadonlyMap<string, Observed>,
    documents: ReadonlyMap<string, PublishedDocument>,
    markRevision: number | null,
  ): void {
    for (const [key, drift] of watched.drifts) {
      // A restore that just landed must say RESTORED, not RESOLVED: the check after it settles the key.
      if (observed.has(key) || this.acting.has(drift)) continue;
      watched.drifts.delete(key);
      if (drift.status !== 'restored') this.emit({ ...drift, status: 'resolved' });
    }
    for (const [key, seen] of observed) {
      const known = watched.drifts.get(key);
      if (known && known.revision === seen.revision && known.foundValue === seen.foundValue) continue;
      const drift: EtcdDrift = { ...seen, status: 'detected', capturedVersion: null, message: null, detectedAt: this.options.clock() };
      watched.drifts.set(key, drift);
      this.emit(drift);
      if (markRevision !== null && this.options.policy !== 'report') void this.act(watched, drift, documents.get(key), markRevision);
    }
  }

  private async act(watched: WatchedEnvironment, drift: EtcdDrift, released: PublishedDocument | undefined, markRevision: number): Promise<void> {
    this.acting.add(drift);
    try {
      await this.actOn(watched, drift, released, markRevision);
    } finally {
      this.acting.delete(drift);
      this.check(watched);
    }
  }

  private async actOn(watched: WatchedEnvironment, drift: EtcdDrift, released: PublishedDocument | undefined, markRevision: number): Promise<void> {
    try {
      if (this.options.policy === 'restore') {
        const versionKey = versionKeyOf(this.options.root, watched.namespace, watched.environment);
        // Only if neither the key nor the release moved since the check: a newer edit is a new drift, a publication wins.
        const compare = new Map([
          [versionKey, markRevision],
          [drift.key, drift.foundValue === null ? 0 : drift.revision],
        ]);
        const put = new Map(released ? [[drift.key, released.text]] : []);
        const result = await this.port.txn({ compare, put, delete: released ? [] : [drift.key] });
        if (result.succeeded) this.update(watched, drift, { status: 'restored', message: null, capturedVersion: null });
        this.logger.info({ key: drift.key, revision: drift.revision, restored: result.succeeded }, 'etcd drift restored to the released value');
        return;
      }
      const outcome = await this.capturer.capture(drift, released);
      const version = outcome.kind === 'committed' ? outcome.version.commit.oid : null;
      this.update(watched, drift, {
        status: 'captured',
        capturedVersion: version,
        message: outcome.kind === 'committed' ? null : 'main holds this value already: nothing to commit',
      });
      this.logger.info({ key: drift.key, revision: drift.revision, version }, 'etcd drift captured into main');
    } catch (error) {
      if (error instanceof EtcdUnavailableError) {
        // Forgotten, so that the check after etcd is back finds it again and tries again.
        if (watched.drifts.get(drift.key) === drift) watched.drifts.delete(drift.key);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({ key: drift.key, revision: drift.revision, err: error }, `etcd drift could not be ${this.options.policy}d`);
      this.update(watched, drift, { status: 'failed', message, capturedVersion: null });
    }
  }

  /** Changes the status of a drift still current (a newer edit of the key replaced it: that one has its own). */
  private update(watched: WatchedEnvironment, drift: EtcdDrift, change: Pick<EtcdDrift, 'status' | 'message' | 'capturedVersion'>): void {
    if (watched.drifts.get(drift.key) !== drift) return;
    const next = { ...drift, ...change };
    watched.drifts.set(drift.key, next);
    this.emit(next);
  }

  private emit(drift: EtcdDrift): void {
    this.events.publish({ kind: 'drift', namespace: drift.namespace, environment: drift.environment, drift });
  }
}
