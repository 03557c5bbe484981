import { createHash, randomBytes } from 'node:crypto';
import { ForbiddenError, NotFoundError } from '../../domain/errors.js';
import {
  type ServiceToken,
  checkMayGrant,
  isAdminSomewhere,
  mayManage,
  validateExpiry,
  validateGrants,
  validateIdentity,
  validateServiceTokenId,
  validateTokenEnvironments,
} from '../../domain/service-token.js';
import type { Actor } from '../actor.js';
import type { ServiceTokenRegistry } from './service-token-registry.js';

/** A token as the API shows it: never the digest, let alone the secret. */
export type ServiceTokenView = Omit<ServiceToken, 'sha256'>;

export interface ServiceTokenInput {
  readonly name: string;
  /** The address its commits are authored with; `<id>@service-tokens.invalid` when absent. */
  readonly email?: string | null;
  readonly grants: readonly { readonly pattern: string; readonly role: string }[];
  readonly environments?: readonly string[] | null;
  readonly expiresAt?: Date | null;
  readonly comment?: string | null;
}

/** `cairn_` and 32 random bytes, base64url: 256 bits, and a prefix secret scanners can look for. */
const SECRET_PREFIX = 'cairn_';

/**
 * Service tokens for automation and agents, made by admins. The secret is generated here, returned once by `create`,
 * and stored only as its SHA-256 digest. Who may do what (docs: README "Service tokens"): an operator may give a
 * token a grant only where they are admin of every namespace the grant's pattern reaches, and may see and revoke
 * the tokens whose every grant they could have given.
 */
export class ServiceTokenService {
  constructor(
    private readonly registry: ServiceTokenRegistry,
    private readonly clock: () => Date,
  ) {}

  async list(actor: Actor): Promise<ServiceTokenView[]> {
    this.requireAdmin(actor);
    const tokens = (await this.registry.all()).filter((t) => mayManage(actor.operator, t));
    return tokens.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map(publicView);
  }

  /** Every token on record, with digests: for the server's authentication only. */
  records(): Promise<ServiceToken[]> {
    return this.registry.all();
  }

  /** Called (and awaited) after every creation and revocation made by this process. */
  onChange(listener: () => void | Promise<void>): () => void {
    return this.registry.onChange(listener);
  }

  async create(actor: Actor, input: ServiceTokenInput): Promise<{ token: ServiceTokenView; secret: string }> {
    this.requireAdmin(actor);
    const now = this.clock();
    const name = validateIdentity(input.name, 'name');
    const grants = validateGrants(input.grants);
    const environments = validateTokenEnvironments(input.environments);
    const expiresAt = validateExpiry(input.expiresAt, now);
    checkMayGrant(actor.operator, grants.keys());
    const id = `tok_${randomBytes(12).toString('hex')}`;
    const email = input.email ? validateIdentity(input.email, 'email') : `${id}@service-tokens.invalid`;
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const token: ServiceToken = {
      id,
      name,
      email,
      roles: Object.fromEntries(grants),
      environments,
      sha256: createHash('sha256').update(secret, 'utf8').digest('hex'),
      createdAt: now.toISOString(),
      createdBy: { name: actor.operator.name, email: actor.operator.email },
      expiresAt,
      revokedAt: null,
      revokedBy: null,
    };
    const comment = input.comment?.trim() || `create service token ${id} (${name})`;
    const stored = await this.registry.update(id, () => token, { action: 'create', actor, comment });
    return { token: publicView(stored), secret };
  }

  /** Marks the token revoked (the record stays, with who and when); revoking it again changes nothing. */
  async revoke(actor: Actor, id: string, comment?: string | null): Promise<ServiceTokenView> {
    this.requireAdmin(actor);
    validateServiceTokenId(id);
    const known = (await this.registry.all()).find((t) => t.id === id);
    // A token out of the operator's reach is as good as absent: its existence is not theirs to learn.
    if (!known || !mayManage(actor.operator, known)) throw new NotFoundError('service token', id);
    const now = this.clock().toISOString();
    const by = { name: actor.operator.name, email: actor.operator.email };
    const stored = await this.registry.update(
      id,
      (current) => {
        if (!current) throw new NotFoundError('service token', id);
        return current.revokedAt ? current : { ...current, revokedAt: now, revokedBy: by };
      },
      { action: 'update', actor, comment: comment?.trim() || `revoke service token ${id} (${known.name})` },
    );
    return publicView(stored);
  }

  private requireAdmin(actor: Actor): void {
    if (!isAdminSomewhere(actor.operator)) throw new ForbiddenError('*', 'admin', 'service tokens are managed by admins');
  }
}

export function publicView(token: ServiceToken): ServiceTokenView {
  const { sha256: _digest, ...view } = token;
  return view;
}
