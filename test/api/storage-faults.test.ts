import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileStep } from '../../src/git/durable-file.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/** Which step of which file fails next, and with what error code. */
interface Fault {
  step: FileStep;
  where: 'object' | 'ref';
  code: string;
}

describe('file system faults in the repository layer', () => {
  let h: Harness;
  /** Failing until disarmed, as a full or broken disk does (isomorphic-git retries a failed object write once). */
  let armed: Fault | null = null;
  let fired = 0;

  beforeAll(async () => {
    h = await startHarness({
      tokens: [ADMIN],
      env: { CAIRN_FSYNC: 'true' },
      faults: (step, file) => {
        if (!armed || armed.step !== step) return;
        const isRef = file.includes(`${path.sep}refs${path.sep}`);
        if ((armed.where === 'ref') !== isRef) return;
        const code = armed.code;
        fired += 1;
        throw Object.assign(new Error(`${code}: simulated ${step} failure on ${path.basename(file)}`), { code });
      },
    });
    await h.gql(CREATE_NAMESPACE, { name: 'disk' });
    await h.gql(PUT_CONFIG, { input: { namespace: 'disk', path: 'a.json', content: { n: 0 }, expectedVersion: null } });
  });

  afterAll(() => h.close());

  const head = (): string => h.git('disk', 'rev-parse', 'HEAD').trim();
  const leftovers = (): string[] => {
    const gitdir = path.join(h.dataDir, 'disk.git');
    const locks = readdirSync(path.join(gitdir, 'refs', 'heads')).filter((f) => f.endsWith('.lock'));
    const temps = readdirSync(path.join(gitdir, 'objects'))
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => readdirSync(path.join(gitdir, 'objects', d)).filter((f) => f.startsWith('tmp_')));
    return [...locks, ...temps];
  };

  const cases: Fault[] = [
    { step: 'create', where: 'object', code: 'ENOSPC' },
    { step: 'write', where: 'object', code: 'EIO' },
    { step: 'fsync', where: 'object', code: 'EIO' },
    { step: 'rename', where: 'object', code: 'ENOSPC' },
    { step: 'create', where: 'ref', code: 'ENOSPC' },
    { step: 'fsync', where: 'ref', code: 'EIO' },
    { step: 'rename', where: 'ref', code: 'EIO' },
  ];

  it.each(cases)('$code on $where $step: a clear StorageFailure, head unchanged, no lock or temp file left, next write works', async (fault) => {
    const before = head();
    armed = fault;
    fired = 0;
    const failed = await h.gql<{ putConfig: WriteResult & { reason?: string } }>(PUT_CONFIG, {
      input: { namespace: 'disk', path: 'a.json', content: { n: Math.random() }, expectedVersion: before },
    });
    armed = null;
    expect(fired).toBeGreaterThan(0);
    expect(failed.data.putConfig.__typename).toBe('StorageFailure');
    expect(failed.data.putConfig.message).toContain(fault.code);
    expect(failed.data.putConfig.message).toContain('nothing was committed');
    expect(head()).toBe(before);
    expect(h.git('disk', 'cat-file', '-t', 'HEAD').trim()).toBe('commit');
    expect(leftovers()).toEqual([]);
    h.git('disk', 'fsck', '--strict');
    const next = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'disk', path: 'a.json', content: { n: Math.random() }, expectedVersion: before },
    });
    expect(next.data.putConfig.status).toBe('COMMITTED');
    expect(head()).toBe(next.data.putConfig.version!.hash);
  });
});
