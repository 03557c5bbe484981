import type { CommitAction } from '../../domain/commit-message.js';
import { type WebhookDefinition, decodeWebhookDefinition, encodeWebhookDefinition } from '../../domain/webhook.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import { isSealed } from '../../domain/secret-marker.js';
import type { Actor } from '../actor.js';
import type { SecretCipher } from '../secret-cipher.js';
import { SystemRecords } from '../system-records.js';
import type { WritePipeline } from '../write-pipeline.js';

export interface Person {
  readonly name: string;
  readonly email: string;
}

/** Who changes a definition, and why: the commit's author, trailers and message. */
export interface DefinitionChange {
  readonly action: CommitAction;
  /** The operator; null for Cairn itself (an endpoint answering 410 Gone). */
  readonly author: Person | null;
  readonly operatorIp: string | null;
  readonly comment: string;
}

/**
 * Webhook definitions, one JSON file per webhook (`webhooks/<id>.json`) in the system repository (SystemRecords):
 * every change is a commit with the operator as author and Cairn trailers.
 */
export class WebhookRegistry {
  private readonly records: SystemRecords<WebhookDefinition>;

  constructor(
    store: RepositoryStore,
    pipeline: WritePipeline,
    private readonly committer: Person,
    /** With CAIRN_SECRETS_KEY_FILE, signing secrets are stored age-encrypted (docs/secrets.md); else as they are. */
    private readonly secrets: SecretCipher | null = null,
  ) {
    this.records = new SystemRecords(store, pipeline, {
      directory: 'webhooks/',
      operation: 'webhook',
      encode: async (definition) => encodeWebhookDefinition(await this.sealed(definition)),
      decode: async (text) => {
        const definition = decodeWebhookDefinition(text);
        return definition && this.opened(definition);
      },
    });
  }

  async all(): Promise<WebhookDefinition[]> {
    return [...(await this.records.all()).values()];
  }

  async get(id: string): Promise<WebhookDefinition | null> {
    return (await this.records.all()).get(id) ?? null;
  }

  async forNamespace(namespace: string): Promise<WebhookDefinition[]> {
    return (await this.all()).filter((d) => d.namespace === namespace).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Read-modify-write of one definition under the system repository's write lock: `change` sees the committed
   * definition (null if none) and returns the new one (null deletes it). Nothing is committed when it returns
   * the same object. Resolves with the stored result.
   */
  update(id: string, change: (current: WebhookDefinition | null) => WebhookDefinition | null, how: DefinitionChange): Promise<WebhookDefinition | null> {
    return this.records.update(id, change, { action: how.action, actor: this.actorOf(how), comment: how.comment });
  }

  /** Called after every change made through this registry (the dispatcher reconciles its workers). */
  onChange(listener: () => void): () => void {
    return this.records.onChange(listener);
  }

  /** The definition as committed: its signing secrets encrypted when the server has a secrets key. */
  private async sealed(definition: WebhookDefinition): Promise<WebhookDefinition> {
    const cipher = this.secrets;
    if (!cipher) return definition;
    const seal = (secret: string): Promise<string> => (isSealed(secret) ? Promise.resolve(secret) : cipher.seal(secret));
    return {
      ...definition,
      secret: await seal(definition.secret),
      previousSecret: definition.previousSecret === null ? null : await seal(definition.previousSecret),
    };
  }

  /**
   * The definition as delivered: its secrets decrypted. Without the key (or with another one) an encrypted secret
   * stays as stored: deliveries signed with it fail the receiver's check rather than go out unsigned.
   */
  private async opened(definition: WebhookDefinition): Promise<WebhookDefinition> {
    const cipher = this.secrets;
    if (!cipher || (!isSealed(definition.secret) && !isSealed(definition.previousSecret ?? ''))) return definition;
    const open = async (secret: string): Promise<string> => {
      if (!isSealed(secret)) return secret;
      const value = await cipher.open(secret).catch(() => null);
      return typeof value === 'string' ? value : secret;
    };
    return {
      ...definition,
      secret: await open(definition.secret),
      previousSecret: definition.previousSecret === null ? null : await open(definition.previousSecret),
    };
  }

  /** The commit's author: the operator, or Cairn itself (its committer identity, no address) when nobody asked. */
  private actorOf(how: DefinitionChange): Actor {
    const who = how.author ?? this.committer;
    return { operator: { name: who.name, email: who.email, grants: new Map() }, ip: how.operatorIp ?? '' };
  }
}
