import { type IntegrityReport, verifyIntegrity } from '../git/integrity.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';

/** Re-hashes a namespace's whole reachable history; expensive, so admins only. */
export class IntegrityService {
  constructor(private readonly access: NamespaceAccess) {}

  async verify(actor: Actor, namespace: string): Promise<IntegrityReport> {
    const repo = await this.access.open(actor, namespace, 'admin');
    return verifyIntegrity(repo.gitdir, repo.objects);
  }
}
