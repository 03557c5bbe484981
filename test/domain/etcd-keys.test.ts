import { describe, expect, it } from 'vitest';
import { formatCommitMessage, parseCommitMessage } from '../../src/domain/commit-message.js';
import { documentKeyOf, environmentOfKey, formatMark, meaningOfKey, parseMark, validateEtcdRoot, versionKeyOf } from '../../src/domain/etcd-keys.js';

const HASH = 'a'.repeat(40);
const RELEASE = 'b'.repeat(40);

describe('etcd key layout', () => {
  it('puts the base under _, each cluster under its name, and the version key beside them', () => {
    expect(documentKeyOf('/cairn/', 'payments', 'prod', null, 'services/api.yaml')).toBe('/cairn/payments/prod/_/services/api.yaml');
    expect(documentKeyOf('/cairn/', 'payments', 'prod', 'eu-1', 'services/api.yaml')).toBe('/cairn/payments/prod/eu-1/services/api.yaml');
    expect(versionKeyOf('/cairn/', 'payments', 'prod')).toBe('/cairn/payments/prod/.version');
  });

  it('reads a key back: its environment, and what it names there', () => {
    expect(environmentOfKey('/cairn/', '/cairn/payments/prod/eu-1/a.json')).toEqual({ namespace: 'payments', environment: 'prod' });
    expect(environmentOfKey('/cairn/', '/cairn/payments')).toBeNull();
    expect(environmentOfKey('/cairn/', '/other/payments/prod/x')).toBeNull();
    const prefix = '/cairn/payments/prod/';
    expect(meaningOfKey(prefix, `${prefix}.version`)).toEqual({ kind: 'version' });
    expect(meaningOfKey(prefix, `${prefix}_/a/b.yaml`)).toEqual({ kind: 'document', cluster: null, path: 'a/b.yaml' });
    expect(meaningOfKey(prefix, `${prefix}eu-1/a.json`)).toEqual({ kind: 'document', cluster: 'eu-1', path: 'a.json' });
    expect(meaningOfKey(prefix, `${prefix}stray`)).toEqual({ kind: 'other' });
  });

  it('accepts only an absolute prefix ending with a slash', () => {
    expect(validateEtcdRoot('/cairn/')).toBe('/cairn/');
    for (const bad of ['cairn/', '/cairn', '/a//b/']) expect(() => validateEtcdRoot(bad)).toThrow(/etcd prefix/);
  });

  it('keeps the version key Cairn wrote, and reads anything else as no mark', () => {
    const mark = { version: HASH, release: RELEASE, publishedAt: '2026-01-01T00:00:00.000Z' };
    expect(parseMark(formatMark(mark))).toEqual(mark);
    expect(parseMark('3f2a')).toBeNull();
    expect(parseMark('{"version":"x","release":"y"}')).toBeNull();
    expect(parseMark('[]')).toBeNull();
  });
});

describe('capture commits', () => {
  it('carry the action capture, the key and the etcd revision as trailers', () => {
    const message = formatCommitMessage('capture etcd edit', {
      action: 'capture',
      operatorIp: null,
      requestId: null,
      rollbackTo: null,
      reverts: null,
      etcdKey: '/cairn/payments/prod/_/a.json',
      etcdRevision: '42',
    });
    expect(message).toContain('Cairn-Action: capture\nCairn-Etcd-Key: /cairn/payments/prod/_/a.json\nCairn-Etcd-Revision: 42\n');
    expect(parseCommitMessage(message).trailers).toMatchObject({ action: 'capture', etcdKey: '/cairn/payments/prod/_/a.json', etcdRevision: '42' });
  });
});
