import { ENVIRONMENTS_PATH, parseEnvironments } from '../domain/environment.js';
import { parseStoredText } from './document-parser.js';
import type { PendingWrite, WriteCheck } from './write-check.js';

/**
 * `.cairn/environments.json` must stay readable whatever route changes it (a put, an apply, a merge, a rollback):
 * a file that does not parse would leave every environment without a definition, and its releases with it.
 */
export class EnvironmentsCheck implements WriteCheck {
  async check(write: PendingWrite): Promise<void> {
    const text = write.files.get(ENVIRONMENTS_PATH);
    if (text !== undefined && text !== null) parseEnvironments(await parseStoredText(ENVIRONMENTS_PATH, text, null));
  }
}
