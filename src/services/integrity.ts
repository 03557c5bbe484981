import type { IntegrityReport } from '../git/integrity.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';

export type { IntegrityProblem, IntegrityReport } from '../git/integrity.js';

/** Re-hashes a namespace's whole reachable history; expensive, so admins only. */
export class IntegrityService {
  constructor(private readonly access: NamespaceAccess) {}

  async verify(actor: Actor, namespace: string): Promise<IntegrityReport> {
    const repo = await this.access.open(actor, namespace, 'admin');
    return repo.verifyIntegrity();
  }
}
