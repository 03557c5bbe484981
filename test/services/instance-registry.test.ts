import { describe, expect, it } from 'vitest';
import { type InstanceReport, InstanceRegistry } from '../../src/services/instance-registry.js';

const at = (id: string, over: Partial<InstanceReport> = {}): InstanceReport => ({
  namespace: 'shop',
  environment: 'prod',
  id,
  cluster: 'eu-1',
  labels: new Map(),
  version: 'v1',
  status: 'APPLIED',
  message: '',
  ...over,
});

describe('instance registry', () => {
  it('forgets an instance silent past the TTL, and counts it out of the cap', () => {
    let now = 1_000_000;
    const registry = new InstanceRegistry({ ttlMs: 90_000, maxInstances: 2, maxPerNamespace: 2, clock: () => now });
    registry.report(at('a'));
    registry.report(at('b'));
    expect(() => registry.report(at('c'))).toThrow(expect.objectContaining({ code: 'TOO_EXPENSIVE', limit: 'CAIRN_MAX_INSTANCES' }));
    now += 60_000;
    registry.report(at('a'));
    now += 31_000;
    expect(registry.list('shop', 'prod').map((r) => r.id)).toEqual(['a']);
    registry.report(at('c'));
    expect(
      registry
        .list('shop', 'prod')
        .map((r) => r.id)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(registry.list('shop', 'staging')).toEqual([]);
  });

  it('keeps a failure through heartbeats that name no status, and dates every failed report anew', () => {
    let now = 5_000;
    const registry = new InstanceRegistry({ ttlMs: 90_000, maxInstances: 10, maxPerNamespace: 10, clock: () => now });
    registry.report(at('a', { status: 'FAILED' }));
    now += 1_000;
    expect(registry.report(at('a', { status: null }))).toMatchObject({ status: 'FAILED', failedAt: 5_000 });
    now += 1_000;
    expect(registry.report(at('a', { status: 'FAILED' }))).toMatchObject({ failedAt: 7_000 });
    // Another version with no status says nothing about that one yet.
    expect(registry.report(at('a', { version: 'v2', status: null }))).toMatchObject({ status: null, failedAt: null });
  });

  it('tells listeners of changes only: a new instance, another version or status, not a heartbeat', () => {
    const registry = new InstanceRegistry({ ttlMs: 90_000, maxInstances: 10, maxPerNamespace: 10, clock: () => 0 });
    const seen: string[] = [];
    registry.onChange((r) => seen.push(`${r.id}:${r.version}:${r.status}`));
    registry.report(at('a'));
    registry.report(at('a'));
    registry.report(at('a', { status: null }));
    registry.report(at('a', { version: 'v2' }));
    registry.report(at('a', { version: 'v2', status: 'FAILED' }));
    expect(seen).toEqual(['a:v1:APPLIED', 'a:v2:APPLIED', 'a:v2:FAILED']);
  });

  it("caps each namespace, so one namespace's agents leave room for the others", () => {
    const registry = new InstanceRegistry({ ttlMs: 90_000, maxInstances: 3, maxPerNamespace: 2, clock: () => 0 });
    registry.report(at('a'));
    registry.report(at('b'));
    expect(() => registry.report(at('c'))).toThrow(expect.objectContaining({ limit: 'CAIRN_MAX_INSTANCES_PER_NAMESPACE' }));
    expect(registry.report(at('a', { namespace: 'billing' })).namespace).toBe('billing');
    expect(() => registry.report(at('b', { namespace: 'billing' }))).toThrow(expect.objectContaining({ limit: 'CAIRN_MAX_INSTANCES' }));
  });

  it('makes room at the cap from the silent instances of every environment, not only the one reported to', () => {
    let now = 0;
    const registry = new InstanceRegistry({ ttlMs: 90_000, maxInstances: 100, maxPerNamespace: 2, clock: () => now });
    registry.report(at('a', { environment: 'staging' }));
    registry.report(at('b', { environment: 'staging' }));
    now += 91_000;
    // Nobody reports to staging nor lists it any more: its two instances expired all the same.
    expect(registry.report(at('c')).id).toBe('c');
  });
});
