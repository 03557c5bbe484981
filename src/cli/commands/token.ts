import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { unwrap } from '../operations.js';
import { type Output, shortTime } from '../output.js';
import { splitList } from './rollback.js';

const ERRORS = `... on Error { __typename message code } ... on Forbidden { namespace requiredRole } ... on NotFound { kind key }`;
const TOKEN = `id name email grants { pattern role } environments createdAt createdBy { name email } expiresAt expired revoked revokedAt`;
const CREATE = `mutation($input: CreateServiceTokenInput!) { createServiceToken(input: $input) { __typename ${ERRORS}
  ... on ServiceTokenSecretPayload { secret token { ${TOKEN} } } } }`;
const LIST = `{ serviceTokens { __typename ${ERRORS} ... on ServiceTokensSuccess { data { ${TOKEN} } } } }`;
const REVOKE = `mutation($input: RevokeServiceTokenInput!) { revokeServiceToken(input: $input) { __typename ${ERRORS} ... on ServiceToken { ${TOKEN} } } }`;

interface Token {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly grants: readonly { readonly pattern: string; readonly role: string }[];
  readonly environments: readonly string[] | null;
  readonly createdAt: string;
  readonly createdBy: { readonly name: string; readonly email: string };
  readonly expiresAt: string | null;
  readonly expired: boolean;
  readonly revoked: boolean;
}

interface CreateOptions {
  readonly grant: string[];
  readonly email?: string;
  readonly environments?: string;
  readonly expires?: string;
  readonly message?: string;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m`, or an ISO 8601 time. */
export function parseExpiry(value: string, now = Date.now()): string {
  const relative = /^(\d{1,6})([mhd])$/.exec(value);
  if (relative?.[1] && relative[2]) return new Date(now + Number(relative[1]) * (UNITS[relative[2]] ?? 0)).toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw usageError(`--expires ${value}: expected a duration (30d, 12h, 90m) or an ISO 8601 time`);
  return new Date(ms).toISOString();
}

function parseGrant(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function grantOf(text: string): { pattern: string; role: string } {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) throw usageError(`--grant ${text}: expected <namespace pattern>=<role>, e.g. shop=editor or "team-*=viewer"`);
  return { pattern: text.slice(0, at), role: text.slice(at + 1).toUpperCase() };
}

function state(t: Token): string {
  return t.revoked ? 'revoked' : t.expired ? 'expired' : 'active';
}

function registerCreate(token: Command): void {
  token
    .command('create')
    .description('a bearer token for automation or an agent (admins; only grants where you are admin); the secret is shown once')
    .argument('<name>', 'the identity its requests act as (the author of its commits)')
    .requiredOption('--grant <pattern=role>', 'a namespace pattern and role (agent, viewer, editor, admin); repeat for more', parseGrant)
    .option('--email <address>', 'the address its commits carry (default: <id>@service-tokens.invalid)')
    .option('--environments <a,b>', "keep an agent's token to these environments")
    .option('--expires <when>', 'refused from then on: a duration (30d, 12h, 90m) or an ISO 8601 time (default: never)')
    .option('-m, --message <comment>', 'why: the message of the commit recording it')
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        name,
        email: options.email ?? null,
        grants: options.grant.map(grantOf),
        environments: options.environments ? splitList(options.environments, '--environments') : null,
        expiresAt: options.expires ? parseExpiry(options.expires) : null,
        comment: options.message ?? null,
      };
      const data = await client.request<{ createServiceToken: { __typename: string } }>(CREATE, { input });
      const created = unwrap<{ secret: string; token: Token }>(data.createServiceToken, 'ServiceTokenSecretPayload');
      printCreated(out, created);
    });
}

function printCreated(out: Output, created: { secret: string; token: Token }): void {
  if (out.json) {
    out.data(created);
    return;
  }
  out.line(`created service token ${created.token.id} (${created.token.name} <${created.token.email}>)`);
  out.line(`secret ${created.secret}`);
  out.line('shown only now: Cairn keeps its SHA-256 only. Send it as CAIRN_TOKEN or "Authorization: Bearer <secret>".');
}

function registerList(token: Command): void {
  token
    .command('list')
    .description('the service tokens you may manage, revoked and expired ones too (admins); never their secrets')
    .action(async (_options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ serviceTokens: { __typename: string } }>(LIST, {});
      const tokens = unwrap<{ data: Token[] }>(data.serviceTokens, 'ServiceTokensSuccess').data;
      if (out.json) {
        out.data(tokens);
        return;
      }
      out.table(
        ['ID', 'NAME', 'STATE', 'GRANTS', 'EXPIRES', 'CREATED BY'],
        tokens.map((t) => [
          t.id,
          t.name,
          state(t),
          t.grants.map((g) => `${g.pattern}=${g.role.toLowerCase()}`).join(',') + (t.environments ? ` [${t.environments.join(',')}]` : ''),
          t.expiresAt ? shortTime(t.expiresAt) : 'never',
          `${t.createdBy.email} ${shortTime(t.createdAt)}`,
        ]),
      );
    });
}

function registerRevoke(token: Command): void {
  token
    .command('revoke')
    .description('refuse the token from now on, on every replica, and close its live subscriptions (admins)')
    .argument('<id>', 'the token (tok_…)')
    .option('-m, --message <comment>', 'why: the message of the commit recording it')
    .action(async (id: string, options: { message?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ revokeServiceToken: { __typename: string } }>(REVOKE, { input: { id, comment: options.message ?? null } });
      const revoked = unwrap<Token>(data.revokeServiceToken, 'ServiceToken');
      if (out.json) out.data(revoked);
      else out.line(`revoked service token ${revoked.id} (${revoked.name})`);
    });
}

export function registerToken(cli: Command): void {
  const token = cli.command('token').description('service tokens: bearer tokens for automation and agents, managed by admins');
  registerCreate(token);
  registerList(token);
  registerRevoke(token);
}
