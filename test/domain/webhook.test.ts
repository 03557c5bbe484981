import { describe, expect, it } from 'vitest';
import {
  type WebhookDefinition,
  decodeWebhookDefinition,
  encodeWebhookDefinition,
  validateWebhookId,
  webhookEventId,
  webhookMatches,
} from '../../src/domain/webhook.js';

const definition: WebhookDefinition = {
  id: 'wh_0123456789abcdef01234567',
  namespace: 'payments',
  url: 'https://hooks.example.com/x',
  pathPrefix: 'services/',
  actions: ['update'],
  environments: null,
  enabled: true,
  disabledReason: null,
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  previousSecret: null,
  previousSecretExpiresAt: null,
  startAfter: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: { name: 'Ada', email: 'ada@example.com' },
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('webhook definitions', () => {
  it('round-trip through their stored JSON, and damaged files are not definitions', () => {
    expect(decodeWebhookDefinition(encodeWebhookDefinition(definition))).toEqual(definition);
    expect(decodeWebhookDefinition('{')).toBeNull();
    expect(decodeWebhookDefinition(JSON.stringify({ ...definition, id: '../x' }))).toBeNull();
    expect(decodeWebhookDefinition(JSON.stringify({ ...definition, actions: ['explode'] }))).toBeNull();
    expect(decodeWebhookDefinition(JSON.stringify({ ...definition, enabled: 'yes' }))).toBeNull();
  });

  it('filters by action and path prefix (documents only)', () => {
    expect(webhookMatches(definition, { action: 'update', paths: ['services/api.json'] })).toBe(true);
    expect(webhookMatches(definition, { action: 'create', paths: ['services/api.json'] })).toBe(false);
    expect(webhookMatches(definition, { action: 'update', paths: ['other/api.json'] })).toBe(false);
    expect(webhookMatches(definition, { action: null, paths: ['services/api.json'] })).toBe(false);
    expect(webhookMatches(definition, { action: 'update', paths: ['services/README.md'] })).toBe(false);
    expect(webhookMatches({ pathPrefix: null, actions: null }, { action: null, paths: [] })).toBe(true);
  });

  it('ids are the generated shape only, and event ids name the namespace', () => {
    expect(validateWebhookId(definition.id)).toBe(definition.id);
    for (const bad of ['wh_', 'wh_0123456789ABCDEF01234567', '../../etc/passwd', 'wh_0123456789abcdef01234567/..'])
      expect(() => validateWebhookId(bad)).toThrow();
    expect(webhookEventId('payments', 'abc')).toBe('payments:abc');
  });
});
