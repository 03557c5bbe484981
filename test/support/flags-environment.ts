import { expect } from 'vitest';
import { DEFINE_ENVIRONMENT, RELEASE } from './environment-operations.js';
import type { Harness } from './harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from './operations.js';
import { ROLLOUT, type RolloutData } from './rollout-operations.js';
import { ADMIN, EDITOR } from './tokens.js';

/**
 * The client library tests' world: a namespace `flags` whose `web/ui.json` says `{checkout}`, an environment `prod`
 * of one cluster (`eu-1`) that released it, and the editor's moves on it: a new value on main, a release.
 */
export class FlagsEnvironment {
  /** Main's head. */
  head = '';

  private constructor(private readonly h: Harness) {}

  /** Creates the namespace with `changes` (web/ui.json among them), defines prod and releases main's head there. */
  static async create(h: Harness, changes: readonly object[]): Promise<FlagsEnvironment> {
    const flags = new FlagsEnvironment(h);
    await flags.gql(CREATE_NAMESPACE, { name: 'flags' }, ADMIN.token);
    flags.head = (
      await flags.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: 'flags', changes, expectedVersion: null } })
    ).applyChanges.version!.hash;
    const defined = await flags.gql<{ defineEnvironment: WriteResult }>(
      DEFINE_ENVIRONMENT,
      { input: { namespace: 'flags', name: 'prod', clusters: ['eu-1'], expectedVersion: flags.head } },
      ADMIN.token,
    );
    flags.head = defined.defineEnvironment.version!.hash;
    await flags.release(flags.head);
    return flags;
  }

  async gql<T>(query: string, variables: Record<string, unknown>, token = EDITOR.token): Promise<T> {
    const res = await this.h.gql<T>(query, variables, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  }

  /** A new version of main where web/ui.json says `{checkout}`. */
  async put(checkout: boolean): Promise<string> {
    const data = await this.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'flags', path: 'web/ui.json', content: { checkout }, expectedVersion: this.head },
    });
    this.head = data.putConfig.version!.hash;
    return this.head;
  }

  async state(): Promise<RolloutData> {
    return (await this.gql<{ environment: { data: RolloutData } }>(ROLLOUT, { ns: 'flags', env: 'prod' }, ADMIN.token)).environment.data;
  }

  /** Releases `version` to prod, on top of its current release. */
  async release(version: string): Promise<void> {
    const current = (await this.state()).release?.hash ?? null;
    const data = await this.gql<{ release: WriteResult }>(RELEASE, { input: { namespace: 'flags', environment: 'prod', version, expectedRelease: current } });
    expect(data.release.status).toBe('COMMITTED');
  }
}
