import type { RepositoryStore } from '../git/repository-store.js';

/** Long-polls held at once, all namespaces together: past this a wait is refused (the caller answers at once). */
export const MAX_WAITERS = 20_000;

/**
 * Wakes whoever waits on a namespace when it changes: a commit of main, or a side ref moving (a release, a rollout
 * step), made here or pulled from another replica. Only "look again": the waiter reads what changed itself.
 */
export class NamespaceSignal {
  private readonly waiting = new Map<string, Set<() => void>>();
  /** Changes seen per namespace: a waiter that read before registering can tell it missed one. */
  private readonly changes = new Map<string, number>();
  private count = 0;

  constructor(store: RepositoryStore) {
    store.onAppend((repo) => this.wake(repo.name));
    store.onRefMove((repo) => this.wake(repo.name));
  }

  /** How many times the namespace changed so far: read it before reading what a wait compares against. */
  generation(namespace: string): number {
    return this.changes.get(namespace) ?? 0;
  }

  /**
   * Resolves true at the namespace's next change after `since` (its generation), at once if one came already; false
   * after `timeoutMs`; null when too many wait already.
   */
  next(namespace: string, timeoutMs: number, aborted: AbortSignal, since: number = this.generation(namespace)): Promise<boolean> | null {
    if (this.count >= MAX_WAITERS) return null;
    if (this.generation(namespace) !== since) return Promise.resolve(true);
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
    this.changes.set(namespace, this.generation(namespace) + 1);
    for (const waiter of [...(this.waiting.get(namespace) ?? [])]) waiter();
  }
}
