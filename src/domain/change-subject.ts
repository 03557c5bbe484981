import { ENVIRONMENTS_PATH } from './environment.js';
import { POLICY_PATH } from './namespace-policy.js';
import { overlayLocationOf } from './overlay-path.js';
import { SCHEMAS_DIR } from './schema-mapping.js';

/** What a changed path is to the people reading the audit: a document, or one of the files that govern the others. */
export type ChangeSubject = 'document' | 'overlay' | 'policy' | 'schema' | 'environment' | 'cairn';

export function subjectOf(path: string): ChangeSubject {
  if (path === POLICY_PATH) return 'policy';
  if (path === ENVIRONMENTS_PATH) return 'environment';
  if (path.startsWith(SCHEMAS_DIR)) return 'schema';
  if (path.startsWith('.cairn/')) return 'cairn';
  return isOverlay(path) ? 'overlay' : 'document';
}

function isOverlay(path: string): boolean {
  try {
    return overlayLocationOf(path) !== null;
  } catch {
    // In an overlay folder but not an overlay (pushed with git): still the overlay's business, not a document.
    return true;
  }
}

/** The subjects a change touched, each once, in a fixed order (the governing files first). */
export function subjectsOf(paths: Iterable<string>): ChangeSubject[] {
  const found = new Set<ChangeSubject>();
  for (const path of paths) found.add(subjectOf(path));
  return (['policy', 'environment', 'schema', 'cairn', 'overlay', 'document'] as const).filter((subject) => found.has(subject));
}
