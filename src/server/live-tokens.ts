import { createHash } from 'node:crypto';
import { type FSWatcher, promises as fsp, watch } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ServiceToken } from '../domain/service-token.js';
import type { Authentication } from './token-registry.js';
import { TokenRegistry } from './token-registry.js';

/** Editors write a file in several steps (truncate, write, rename): one reload after the burst. */
const SETTLE_MS = 100;
/** setTimeout's longest delay; a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The tokens the server accepts now: the tokens file (read again when it changes, or on SIGHUP) with the service
 * tokens of the system repository (given again whenever they change, here or on another replica). Listeners hear of
 * every change, and of every expiry as it passes, to close the live connections whose token is no longer good.
 *
 * A file that does not read or parse keeps the previous tokens: the error is logged (where, not what: the file
 * holds secrets), and the next change is tried again.
 */
export class LiveTokens {
  private registry: TokenRegistry;
  private serviceTokens: readonly ServiceToken[] = [];
  private fileDigest: string;
  private readonly listeners = new Set<() => void>();
  private watcher: FSWatcher | null = null;
  private settle: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private reloading: Promise<boolean> = Promise.resolve(true);

  private constructor(
    /** null: no tokens file (single sign-on alone), only the service tokens. */
    private readonly file: string | null,
    private fileRegistry: TokenRegistry,
    text: string,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {
    this.registry = fileRegistry;
    this.fileDigest = digestOf(text);
  }

  /**
   * Reads the file once; a bad file at start is an error (the server refuses to start). Without a file (single
   * sign-on alone) it holds the service tokens only.
   */
  static async open(file: string | null, logger: Logger, clock: () => number = Date.now): Promise<LiveTokens> {
    const text = file === null ? 'tokens: []' : await fsp.readFile(file, 'utf8');
    return new LiveTokens(file, TokenRegistry.parse(text, file ?? 'no tokens file'), text, logger, clock);
  }

  authenticate(header: string | null | undefined): Authentication {
    return this.registry.authenticate(header, this.clock());
  }

  onCredentialsChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follows the file's directory, so that a file replaced by a rename (editors, Kubernetes' ConfigMap swap) is seen. */
  watchFile(): void {
    if (this.watcher || this.file === null) return;
    try {
      this.watcher = watch(path.dirname(this.file), { persistent: false }, () => this.scheduleReload());
      this.watcher.on('error', (error) => this.logger.warn({ err: error, tokensFile: this.file }, 'watching the tokens file failed; SIGHUP still reloads it'));
    } catch (error) {
      this.logger.warn({ err: error, tokensFile: this.file }, 'cannot watch the tokens file; SIGHUP reloads it');
    }
  }

  /**
   * Reads the file again (SIGHUP, a change seen by the watch). Resolves true when the tokens now in force are the
   * file's (changed or not), false when it did not read and the previous ones stay.
   */
  reloadFile(): Promise<boolean> {
    this.reloading = this.reloading.then(() => this.readFile());
    return this.reloading;
  }

  /**
   * Returns a function that reads the service tokens again (with `load`) and puts them in force: call it whenever
   * they may have changed. Reads are serialized, so an older read never overwrites a newer one; one that fails is
   * logged and the tokens in force stay.
   */
  followServiceTokens(load: () => Promise<readonly ServiceToken[]>): () => Promise<void> {
    let chain: Promise<void> = Promise.resolve();
    return () => {
      chain = chain.then(async () => {
        try {
          this.serviceTokens = await load();
          this.rebuild();
        } catch (error) {
          this.logger.error({ err: error }, 'the service tokens of the system repository do not read: the previous ones stay in force');
        }
      });
      return chain;
    };
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.settle) clearTimeout(this.settle);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.listeners.clear();
  }

  private scheduleReload(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = null;
      void this.reloadFile();
    }, SETTLE_MS);
    this.settle.unref();
  }

  private async readFile(): Promise<boolean> {
    if (this.file === null) return true;
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (error) {
      this.logger.error(
        { tokensFile: this.file, code: (error as NodeJS.ErrnoException).code },
        'the tokens file does not read: the previous tokens stay in force',
      );
      return false;
    }
    const digest = digestOf(text);
    if (digest === this.fileDigest) return true;
    try {
      this.fileRegistry = TokenRegistry.parse(text, this.file);
    } catch (error) {
      this.logger.error({ tokensFile: this.file, reason: (error as Error).message }, 'the tokens file is invalid: the previous tokens stay in force');
      return false;
    }
    this.fileDigest = digest;
    this.logger.info({ tokensFile: this.file }, 'tokens file reloaded');
    this.rebuild();
    return true;
  }

  private rebuild(): void {
    this.registry = this.fileRegistry.withServiceTokens(this.serviceTokens);
    this.armExpiry();
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Wakes at the soonest expiry, so that the connections of a token that just expired are closed then. */
  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const now = this.clock();
    const next = this.registry.nextExpiry(now);
    if (next === null) return;
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        if (this.clock() >= next) this.notify();
        this.armExpiry();
      },
      Math.min(MAX_TIMER_MS, next - now + 1),
    );
    this.expiryTimer.unref();
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
