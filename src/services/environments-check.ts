import { roleIn } from '../domain/access.js';
import { ENVIRONMENTS_PATH, parseEnvironments } from '../domain/environment.js';
import { ForbiddenError } from '../domain/errors.js';
import { parseStoredText } from './document-parser.js';
import type { PendingWrite, WriteCheck } from './write-check.js';

/**
 * `.cairn/environments.json` must stay readable whatever route changes it (a put, an apply, a merge, a rollback):
 * a file that does not parse would leave every environment without a definition, and its releases with it. And it
 * changes by an admin's hand only, as `defineEnvironment` does: `promotesFrom` and `clusters` govern every release.
 * (A merge of it takes an admin already: ApprovalCheck's rule for everything under `.cairn/`.)
 */
export class EnvironmentsCheck implements WriteCheck {
  async check(write: PendingWrite): Promise<void> {
    const text = write.files.get(ENVIRONMENTS_PATH);
    if (text === undefined) return;
    if (roleIn(write.actor.operator.grants, write.repo.name) !== 'admin') throw new ForbiddenError(write.repo.name, 'admin');
    if (text !== null) parseEnvironments(await parseStoredText(ENVIRONMENTS_PATH, text, null));
  }
}
