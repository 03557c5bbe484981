import type { HttpClient } from './http-client.js';
import { ENVIRONMENT, ENVIRONMENT_RELEASE, unwrap } from './operations.js';

/** An environment as the CLI reads it. */
export interface EnvironmentState {
  readonly name: string;
  readonly description: string;
  readonly promotesFrom: string | null;
  readonly clusters: readonly string[];
  readonly release: {
    readonly hash: string;
    readonly version: { readonly hash: string; readonly shortHash: string } | null;
    readonly rollback: boolean;
    readonly operator: { readonly name: string; readonly email: string };
    readonly time: string;
  } | null;
  readonly rollout: {
    readonly version: string;
    readonly stable: string | null;
    readonly phase: 'PROGRESSING' | 'PAUSED' | 'COMPLETED';
    readonly step: number;
    readonly stepCount: number;
    readonly canaryStep: boolean;
    readonly percent: number;
    readonly bakeSecondsLeft: number | null;
    readonly reached: number;
    readonly healthy: number;
    readonly failed: readonly string[];
  } | null;
  readonly instances: readonly { readonly id: string; readonly converged: boolean; readonly status: string | null }[];
}

export async function readEnvironment(client: HttpClient, namespace: string, name: string): Promise<EnvironmentState> {
  const data = await client.request<{ environment: { __typename: string } }>(ENVIRONMENT, { ns: namespace, name });
  return unwrap<{ data: EnvironmentState }>(data.environment, 'EnvironmentSuccess').data;
}

/** What a write to the environment expects: the release the caller names, else the one the server reports now. */
export async function expectedRelease(client: HttpClient, namespace: string, name: string, given: string | undefined): Promise<string | null> {
  if (given) return given;
  // Only the release: the environment's instances (a fleet of them) are not needed for a hash.
  const data = await client.request<{ environment: { __typename: string } }>(ENVIRONMENT_RELEASE, { ns: namespace, name });
  return unwrap<{ data: { release: { hash: string } | null } }>(data.environment, 'EnvironmentSuccess').data.release?.hash ?? null;
}
