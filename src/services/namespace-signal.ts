import type { RepositoryStore } from '../git/repository-store.js';

/** Long-polls held at once, all namespaces together: past this a wait is refused (the caller answers at once). */
export const MAX_WAITERS = 20_000;

/**
 * Wakes whoever waits on a namespace when it changes: a commit of main, or a side ref moving (a release, a rollout
 * step), made here or pulled from another replica. Only "look again": the waiter reads what changed itself.
 */
export class NamespaceSignal {
  private readonly waiting = new Map<string, Set<() => void>>();
  private count = 0;

  constructor(store: RepositoryStore) {
    store.onAppend((repo) => this.wake(repo.name));
    store.onRefMove((repo) => this.wake(repo.name));
  }

  /** Resolves true at the namespace's next change, false after `timeoutMs`; null when too many wait already. */
  next(namespace: string, timeoutMs: number, aborted: AbortSignal): Promise<boolean> | null {
    if (this.count >= MAX_WAITERS) return null;
    return new Promise((resolve) => {
      let set = this.waiting.get(namespace);
      if (!set) {
        set = new Set();
        this.waiting.set(namespace, set);
      }
      const done = (changed: boolean): void => {
        if (!set.delete(waiter)) return;
        this.count -= 1;
        if (set.size === 0) this.waiting.delete(namespace);
        clearTimeout(timer);
        aborted.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const waiter = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(waiter);
      this.count += 1;
      aborted.addEventListener('abort', onAbort);
    });
  }

  private wake(namespace: string): void {
    for (const waiter of [...(this.waiting.get(namespace) ?? [])]) waiter();
  }
}
