import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { RepositoryStore } from '../../src/git/repository-store.js';
import type { GitRepository } from '../../src/git/repository.js';

/** What `tempNamespace` gives each test: a store in a directory of its own, and its namespace `ns`. */
export interface TempNamespace {
  readonly root: string;
  readonly store: RepositoryStore;
  readonly repo: GitRepository;
}

/**
 * Registers hooks that give each test of the calling `describe` a repository store (no fsync) in a temp directory
 * with one namespace, `ns`, closed and removed after the test. Read its fields inside tests and hooks.
 */
export function tempNamespace(prefix: string): TempNamespace {
  let current: TempNamespace | null = null;
  beforeEach(async () => {
    const root = mkdtempSync(path.join(tmpdir(), prefix));
    const store = new RepositoryStore(path.join(root, 'repos'), { fsync: false });
    await store.init();
    current = { root, store, repo: (await store.create('ns'))! };
  });
  afterEach(async () => {
    if (!current) return;
    await current.store.close();
    rmSync(current.root, { recursive: true, force: true });
    current = null;
  });
  const now = (): TempNamespace => {
    if (!current) throw new Error('tempNamespace: read it inside a test or hook');
    return current;
  };
  return {
    get root() {
      return now().root;
    },
    get store() {
      return now().store;
    },
    get repo() {
      return now().repo;
    },
  };
}
