import { ForbiddenError, InvalidInputError, NotFoundError, StorageError } from '../domain/errors.js';
import type { ServiceTokenView } from '../services/service-tokens/service-token-service.js';
import { builder } from './builder.js';
import { PersonRef } from './version.js';
import { GrantRef, RoleEnum } from './viewer.js';

/** What can go wrong managing tokens: not an admin (or not admin enough for a grant), bad input, an unknown id, the disk. */
const SERVICE_TOKEN_ERRORS = [ForbiddenError, InvalidInputError, NotFoundError, StorageError];

export const ServiceTokenRef = builder.objectRef<ServiceTokenView>('ServiceToken').implement({
  description: 'A bearer token made through the API for automation or an agent. Its secret was shown once, on creation; Cairn keeps only its SHA-256.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name', { description: 'The identity its requests act as (the author of the commits it makes).' }),
    email: t.exposeString('email'),
    grants: t.field({
      type: [GrantRef],
      description: 'Namespace pattern and role, as in the tokens file.',
      resolve: (token) => Object.entries(token.roles).map(([pattern, role]) => ({ pattern, role })),
    }),
    environments: t.stringList({
      nullable: true,
      description: "The environments an agent's token may act for; null: every environment its roles reach.",
      resolve: (token) => (token.environments ? [...token.environments] : null),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (token) => new Date(token.createdAt) }),
    createdBy: t.field({ type: PersonRef, resolve: (token) => token.createdBy }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, description: 'null: it does not expire.', resolve: (token) => nullableDate(token.expiresAt) }),
    expired: t.boolean({ resolve: (token) => token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now() }),
    revoked: t.boolean({ resolve: (token) => token.revokedAt !== null }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (token) => nullableDate(token.revokedAt) }),
    revokedBy: t.field({ type: PersonRef, nullable: true, resolve: (token) => token.revokedBy }),
  }),
});

function nullableDate(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

interface CreatedToken {
  readonly token: ServiceTokenView;
  readonly secret: string;
}

const ServiceTokenSecretPayloadRef = builder.objectRef<CreatedToken>('ServiceTokenSecretPayload').implement({
  description: 'The only place the secret is ever shown: keep it now.',
  fields: (t) => ({
    token: t.field({ type: ServiceTokenRef, resolve: (p) => p.token }),
    secret: t.exposeString('secret', { description: '`cairn_` and 32 random bytes (base64url): send it as `Authorization: Bearer <secret>`.' }),
  }),
});

const GrantInput = builder.inputType('GrantInput', {
  fields: (t) => ({
    pattern: t.string({ required: true, description: 'A namespace name, `*`, or a name prefix ending in `*` (`team-*`).' }),
    role: t.field({ type: RoleEnum, required: true }),
  }),
});

const CreateServiceTokenInput = builder.inputType('CreateServiceTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'The identity its requests act as.' }),
    email: t.string({ required: false, description: 'The address its commits carry; default `<id>@service-tokens.invalid`.' }),
    grants: t.field({
      type: [GrantInput],
      required: true,
      description: 'At least one. You may grant a pattern only if you are admin in every namespace it reaches.',
    }),
    environments: t.stringList({ required: false, description: "Keep an agent's token to these environments; absent: all its roles reach." }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'Refused from then on (and its subscriptions closed); absent: never.' }),
    comment: t.string({ required: false, description: 'The message of the commit that records it.' }),
  }),
});

const RevokeServiceTokenInput = builder.inputType('RevokeServiceTokenInput', {
  fields: (t) => ({ id: t.string({ required: true }), comment: t.string({ required: false }) }),
});

builder.queryFields((t) => ({
  serviceTokens: t.field({
    type: [ServiceTokenRef],
    description: 'The service tokens you may manage (every grant within your admin reach), revoked ones too, oldest first. Admins only.',
    errors: { types: SERVICE_TOKEN_ERRORS },
    resolve: (_root, _args, ctx) => ctx.cairn.serviceTokens.list(ctx.actor),
  }),
}));

builder.mutationFields((t) => ({
  createServiceToken: t.field({
    type: ServiceTokenSecretPayloadRef,
    description: 'A new bearer token, recorded as a commit of the system repository with you as author. The answer is the only time the secret is shown.',
    args: { input: t.arg({ type: CreateServiceTokenInput, required: true }) },
    errors: { types: SERVICE_TOKEN_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.serviceTokens.create(ctx.actor, input),
  }),
  revokeServiceToken: t.field({
    type: ServiceTokenRef,
    description: 'Refuses the token from now on, on every replica, and closes its live subscriptions. The record stays, marked revoked.',
    args: { input: t.arg({ type: RevokeServiceTokenInput, required: true }) },
    errors: { types: SERVICE_TOKEN_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.serviceTokens.revoke(ctx.actor, input.id, input.comment),
  }),
}));
