import type { EffectiveDocument } from '../services/overlays.js';

/**
 * A bundle's `documents` as JSON, serialized once per bundle and format: the bundle cache hands every request for one
 * version, cluster and prefix the same documents, and a release sends a fleet to ask for them at once. Kept as long
 * as the bundle is (a WeakMap on its documents).
 */
const serialized = new WeakMap<readonly EffectiveDocument[], Partial<Record<'text' | 'content', string>>>();

export function documentsJson(documents: readonly EffectiveDocument[], field: 'text' | 'content'): string {
  let forms = serialized.get(documents);
  if (!forms) serialized.set(documents, (forms = {}));
  forms[field] ??= JSON.stringify(Object.fromEntries(documents.map((d) => [d.path, d[field]])));
  return forms[field];
}
