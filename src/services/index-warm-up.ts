import type { Logger } from 'pino';
import type { RepositoryStore } from '../git/repository-store.js';

/**
 * Opens every namespace (loads its commit index, or builds it from Git) in the background once the server is ready.
 * The server does not wait for this: a namespace is opened on its first use anyway, and with a thousand namespaces
 * building every index first kept a new server from serving for longer than `git log` over all of them takes.
 * This only spares the first reader of each namespace the wait, and fills the index metrics. One namespace at a
 * time, giving way to requests in between.
 */
export class IndexWarmUp {
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: RepositoryStore,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running ??= this.run().catch((error: unknown) => this.logger.error({ err: error }, 'could not list the namespaces to load their commit indexes'));
  }

  /** Stops opening namespaces (shutdown); resolves once the one being opened is. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const count = await openEveryNamespace(this.store, this.logger, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return !this.stopped;
    });
    this.logger.info({ namespaces: count }, 'commit indexes loaded');
  }
}

/**
 * Opens the namespaces one at a time; `next` is asked before each (it may report progress or give way) and stops the
 * walk by answering false. Answers how many there are.
 */
export async function openEveryNamespace(
  store: RepositoryStore,
  logger: Logger,
  next: (index: number, count: number) => boolean | Promise<boolean>,
): Promise<number> {
  const namespaces = await store.list();
  for (const [index, name] of namespaces.entries()) {
    if (!(await next(index, namespaces.length))) break;
    // One namespace that cannot open (a history diverged from the remote's) must not keep the others from loading.
    await store
      .get(name)
      .catch((error: unknown) => logger.error({ err: error, namespace: name }, 'namespace could not be opened; it is retried on its next use'));
  }
  return namespaces.length;
}
