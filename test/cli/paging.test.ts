import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG } from '../support/operations.js';
import { json, runCli } from './cli-process.js';

/** More than two of the server's 100-entry pages. */
const COMMITS = 230;

describe('cairn history and audit follow the cursors across pages', () => {
  let h: Harness;
  let log: string[];
  beforeAll(async () => {
    h = await startHarness();
    await h.gql(CREATE_NAMESPACE, { name: 'paged' });
    let version: string | null = null;
    for (let i = 0; i < COMMITS; i += 1) {
      const r: { data: { putConfig: { version: { hash: string } } } } = await h.gql(PUT_CONFIG, {
        input: { namespace: 'paged', path: 'counter.json', content: { i }, expectedVersion: version, comment: `step ${i}` },
      });
      version = r.data.putConfig.version.hash;
    }
    log = h.git('paged', 'rev-list', 'main').trim().split('\n');
  });
  afterAll(() => h.close());

  it('history --limit above the page size gives exactly git rev-list, with no gap or repeat at page borders', async () => {
    const [all, some] = await Promise.all([
      runCli(['--json', 'history', 'paged', '--limit', '1000'], { url: h.url }),
      runCli(['--json', 'history', 'paged', '--limit', '150'], { url: h.url }),
    ]);
    expect(all.code).toBe(0);
    expect(json<{ hash: string }[]>(all).map((v) => v.hash)).toEqual(log);
    expect(json<{ hash: string }[]>(some).map((v) => v.hash)).toEqual(log.slice(0, 150));
  });

  it('audit --limit across pages gives the newest entries in order', async () => {
    const r = await runCli(['--json', 'audit', 'paged', '--limit', '205'], { url: h.url });
    expect(r.code).toBe(0);
    expect(json<{ version: { hash: string } }[]>(r).map((e) => e.version.hash)).toEqual(log.slice(0, 205));
  });

  it('refuses a limit that is not a positive whole number (exit 2)', async () => {
    const r = await runCli(['history', 'paged', '--limit', '0'], { url: h.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit must be a positive whole number');
  });
});
