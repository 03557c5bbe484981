import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentApplier, prefixOf } from '../../src/cli/agent/agent.js';

/** The agent's directory handling on a real file system: swaps, the verified copy, --revert-on-failure, --paths. */

const V1 = '1'.repeat(40);
const V2 = '2'.repeat(40);
const V3 = '3'.repeat(40);

describe('the agent directory', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  const applier = (options: { check?: string; revert?: boolean; paths?: string[]; selection?: string } = {}): { dir: string; make: () => AgentApplier } => {
    const root = mkdtempSync(path.join(tmpdir(), 'cairn-agent-dir-'));
    roots.push(root);
    const dir = path.join(root, 'config');
    const make = (): AgentApplier =>
      new AgentApplier(
        dir,
        options.selection ?? 'pay~prod',
        options.paths ?? [],
        { exec: null, check: options.check ?? null, timeoutMs: 5_000, revertOnFailure: options.revert ?? false },
        null,
        () => {},
      );
    return { dir, make };
  };

  it('puts each version in service by one swap of ..data, keeps the previous one, removes older ones and stale top-level links', async () => {
    const { dir, make } = applier();
    const agent = make();
    await agent.apply({ version: V1, documents: { 'a/x.json': '1', 'b.yaml': 'b: 1\n' } }, false);
    await agent.apply({ version: V2, documents: { 'a/x.json': '2' } }, false);
    expect(readFileSync(path.join(dir, 'a/x.json'), 'utf8')).toBe('2');
    const entries = readdirSync(dir);
    expect(entries).toHaveLength(4);
    expect(entries).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\.1{12}_/), expect.stringMatching(/^\.\.2{12}_/), '..data', 'a']));
    await agent.apply({ version: V3, documents: { 'a/x.json': '3' } }, false);
    expect(readdirSync(dir).filter((name) => name.startsWith('..1'))).toEqual([]);
    expect(readlinkSync(path.join(dir, '..data'))).toMatch(/^\.\.3{12}_/);
  });

  it('serves the copy on disk only when it verifies: the same selection, every file with its recorded hash', async () => {
    const { dir, make } = applier();
    await make().apply({ version: V1, documents: { 'app.json': '{"a":1}\n' } }, false);
    expect(await make().load()).toEqual({ version: V1, documents: { 'app.json': '{"a":1}\n' } });
    writeFileSync(path.join(dir, 'app.json'), '{"a":2}\n');
    expect(await make().load()).toBeNull();
    const other = applier({ selection: 'pay~qa' });
    await other.make().apply({ version: V1, documents: { 'app.json': '{}' } }, false);
    const differently = new AgentApplier(other.dir, 'pay~prod', [], { exec: null, check: null, timeoutMs: 1_000, revertOnFailure: false }, null, () => {});
    expect(await differently.load()).toBeNull();
  });

  it('reports a failed --check with its exit code and output, and with --revert-on-failure puts the previous files back', async () => {
    const { dir, make } = applier({ check: 'echo "port 8080 refused" >&2; grep -q healthy "$CAIRN_DIR/app.txt"', revert: true });
    const agent = make();
    expect(await agent.apply({ version: V1, documents: { 'app.txt': 'healthy\n' } }, false)).toEqual({ status: 'APPLIED', message: null });
    const failed = await agent.apply({ version: V2, documents: { 'app.txt': 'down\n' } }, false);
    expect(failed.status).toBe('FAILED');
    expect(failed.message).toContain('--check exited 1: port 8080 refused');
    expect(failed.message).toContain(`reverted to ${V1}`);
    expect(readFileSync(path.join(dir, 'app.txt'), 'utf8')).toBe('healthy\n');
    // A restart serves what is in service: the reverted copy, with the outcome recorded for it (its check ran again).
    const restarted = make();
    expect((await restarted.load())?.version).toBe(V1);
    expect(JSON.parse(readFileSync(path.join(dir, '..data', '..cairn-outcome.json'), 'utf8'))).toEqual({ status: 'APPLIED', message: null });
  });

  it('checks again a version whose files did not change when what is in service failed; a restart finishes a check it did not see end', async () => {
    const { dir, make } = applier({ check: 'grep -q healthy "$CAIRN_DIR/app.txt"' });
    const agent = make();
    expect((await agent.apply({ version: V1, documents: { 'app.txt': 'down\n' } }, false)).status).toBe('FAILED');
    // V2 changes none of this agent's files, but V1 failed here: V2 is checked, not taken as applied.
    expect((await agent.apply({ version: V2, documents: { 'app.txt': 'down\n' } }, false)).status).toBe('FAILED');
    // The agent stopped between the swap and the end of --check (no outcome on disk): the restart runs it again.
    writeFileSync(path.join(dir, '..data', 'app.txt'), 'healthy\n');
    const state = JSON.parse(readFileSync(path.join(dir, '..data', '..cairn-state.json'), 'utf8')) as { files: Record<string, string> };
    state.files['app.txt'] = createHash('sha256').update('healthy\n').digest('hex');
    writeFileSync(path.join(dir, '..data', '..cairn-state.json'), JSON.stringify(state));
    rmSync(path.join(dir, '..data', '..cairn-outcome.json'));
    const restarted = make();
    const cached = await restarted.load();
    expect(cached?.version).toBe(V2);
    expect(await restarted.apply(cached!, true)).toEqual({ status: 'APPLIED', message: null });
    expect(JSON.parse(readFileSync(path.join(dir, '..data', '..cairn-outcome.json'), 'utf8'))).toEqual({ status: 'APPLIED', message: null });
  });

  it("fails a version that cannot be put in service without touching what is in service, and leaves others' files alone", async () => {
    const { dir, make } = applier();
    const agent = make();
    await agent.apply({ version: V1, documents: { 'a.json': '1' } }, false);
    const inService = readlinkSync(path.join(dir, '..data'));
    writeFileSync(path.join(dir, 'b.json'), "not the agent's");
    mkdirSync(path.join(dir, '..2024_01_01'));
    const outcome = await agent.apply({ version: V2, documents: { 'a.json': '2', 'b.json': '2' } }, false);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.message).toContain('is not the agent');
    expect(readlinkSync(path.join(dir, '..data'))).toBe(inService);
    expect(readdirSync(dir).filter((name) => name.startsWith('..2'))).toEqual(['..2024_01_01']);
    await agent.apply({ version: V3, documents: { 'a.json': '3' } }, false);
    expect(readdirSync(dir)).toContain('..2024_01_01');
    expect(readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe("not the agent's");
  });

  it('writes only the documents --paths selects, and asks the server for their common folder', async () => {
    const { dir, make } = applier({ paths: ['services/api/**'] });
    await make().apply({ version: V1, documents: { 'services/api/a.json': '{}', 'services/web/b.json': '{}' } }, false);
    expect(readdirSync(path.join(dir, 'services'))).toEqual(['api']);
    expect(prefixOf(['services/api/**'])).toBe('services/api/');
    expect(prefixOf(['services/api/**', 'services/web/*.yaml'])).toBe('services/');
    expect(prefixOf(['app.json'])).toBe('app.json');
    expect(prefixOf(['**/*.json'])).toBe('');
  });

  it('refuses a document path that would leave the version directory', async () => {
    const { make } = applier();
    const outcome = await make().apply({ version: V1, documents: { '../escape.json': '{}' } }, false);
    expect(outcome).toMatchObject({ status: 'FAILED', message: expect.stringContaining('outside the version directory') });
  });
});
