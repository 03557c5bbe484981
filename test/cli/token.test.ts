import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { ADMIN, EDITOR } from '../support/tokens.js';
import { type CliResult, json, runCli } from './cli-process.js';

interface TokenJson {
  id: string;
  name: string;
  email: string;
  grants: { pattern: string; role: string }[];
  environments: string[] | null;
  expiresAt: string | null;
  revoked: boolean;
}

describe('cairn token create, list and revoke', () => {
  let h: Harness;
  const cli = (args: string[], token: string | null = ADMIN.token): Promise<CliResult> => runCli(args, { url: h.url, token });

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR] });
  });
  afterAll(() => h.close());

  it('creates a token shown once, which then works as --token; lists it without the secret; revokes it', async () => {
    expect((await cli(['token', 'create', 'bot', '--grant', 'shop=viewer'], EDITOR.token)).code).toBe(5);
    expect((await cli(['token', 'create', 'bot', '--grant', 'shop'])).code).toBe(2);
    expect((await cli(['token', 'create', 'bot', '--grant', 'shop=viewer', '--expires', 'tomorrow-ish'])).code).toBe(2);

    const made = await cli([
      '--json',
      'token',
      'create',
      'deploy bot',
      '--grant',
      'shop=agent',
      '--grant',
      'team-*=viewer',
      '--environments',
      'prod',
      '--expires',
      '30d',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const { secret, token } = json<{ secret: string; token: TokenJson }>(made);
    expect(secret).toMatch(/^cairn_/);
    expect(token).toMatchObject({
      name: 'deploy bot',
      grants: [
        { pattern: 'shop', role: 'AGENT' },
        { pattern: 'team-*', role: 'VIEWER' },
      ],
      environments: ['prod'],
    });
    expect(Date.parse(token.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);

    expect((await cli(['namespaces'], secret)).code).toBe(0);
    const listed = await cli(['token', 'list']);
    expect(listed.stdout).toContain(token.id);
    expect(listed.stdout).toContain('shop=agent,team-*=viewer [prod]');
    expect(listed.stdout).not.toContain(secret);
    expect((await cli(['token', 'list'], EDITOR.token)).code).toBe(5);

    const revoked = await cli(['token', 'revoke', token.id, '-m', 'rotated']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked service token ${token.id}`);
    expect((await cli(['namespaces'], secret)).code).not.toBe(0);
    expect(json<TokenJson[]>(await cli(['--json', 'token', 'list']))).toMatchObject([{ id: token.id, revoked: true }]);
    expect((await cli(['token', 'revoke', `tok_${'0'.repeat(24)}`])).code).toBe(3);
  });
});
