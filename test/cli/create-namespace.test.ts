import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { json, runCli } from './cli-process.js';
import { ADMIN, EDITOR } from '../support/tokens.js';

describe('cairn create-namespace', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR] });
  });
  afterAll(() => h.close());

  it('creates a namespace that put can then write to, and refuses an existing name with exit 4', async () => {
    const created = await runCli(['--json', 'create-namespace', 'billing'], { url: h.url, token: ADMIN.token });
    expect(created.code).toBe(0);
    expect(json(created)).toEqual({ name: 'billing' });
    expect(h.git('billing', 'rev-parse', '--is-bare-repository').trim()).toBe('true');

    // Writing to the new namespace and creating it again need no order between them.
    const [put, again] = await Promise.all([
      runCli(['put', 'billing', 'a.json', '-'], { url: h.url, token: ADMIN.token, input: '{"a":1}\n' }),
      runCli(['--json', 'create-namespace', 'billing'], { url: h.url, token: ADMIN.token }),
    ]);
    expect(put.code).toBe(0);
    expect(again.code).toBe(4);
    expect(json<{ error: { type: string } }>(again).error.type).toBe('NamespaceExists');
  });

  it('answers exit 5 to an editor and exit 2 to an invalid name, creating nothing', async () => {
    const [editor, invalid] = await Promise.all([
      runCli(['create-namespace', 'payments'], { url: h.url, token: EDITOR.token }),
      runCli(['create-namespace', '../escape'], { url: h.url, token: ADMIN.token }),
    ]);
    expect(editor.code).toBe(5);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/namespace/i);
    const list = await runCli(['--json', 'namespaces'], { url: h.url, token: ADMIN.token });
    expect(json<{ name: string }[]>(list).map((n) => n.name)).toEqual(['billing']);
  });
});
