import { InvalidInputError } from '../domain/errors.js';
import type { Actor } from '../services/actor.js';
import type { Cairn } from '../services/cairn.js';

/**
 * The version a read API request asks for: `at`; else with `env` what the environment released, or with `instance`
 * (its `cluster` and `label=k=v` pairs too) what that instance should run during a rollout; else null, main's head.
 */
export async function requestedVersion(cairn: Cairn, actor: Actor, namespace: string, query: URLSearchParams): Promise<string | null> {
  const at = query.get('at');
  const environment = query.get('env');
  if (at !== null && environment !== null) throw new InvalidInputError('give at or env, not both');
  if (at !== null || environment === null) return at;
  const instance = query.get('instance');
  if (instance === null) return cairn.environments.releasedVersion(actor, namespace, environment);
  const labels = query.getAll('label').map(labelOf);
  const desired = await cairn.instances.desired(actor, { namespace, environment, id: instance, cluster: query.get('cluster') ?? '', labels });
  if (!desired.version) throw new InvalidInputError(`${environment} has no release yet`);
  return desired.version.commit.oid;
}

/** `zone=eu-1a` as a label; a pair without `=` is a label with an empty value. */
export function labelOf(pair: string): { name: string; value: string } {
  const at = pair.indexOf('=');
  return at < 0 ? { name: pair, value: '' } : { name: pair.slice(0, at), value: pair.slice(at + 1) };
}
