import { parseStoredDocument } from '../domain/document-codec.js';
import type { JsonPatchOperation } from '../domain/json-patch.js';
import type { JsonValue } from '../domain/json-value.js';
import { REDACTED, SEALED_PREFIX, sealedLeaves } from '../domain/secret-marker.js';
import { redactChanges, redactPatch, redactSealed } from '../domain/secret-redaction.js';
import type { ValueChange } from '../domain/value-diff.js';
import type { DocumentDiff } from './document-diff.js';
import { unifiedDiffOf } from './document-parser.js';
import { editedText } from './secret-sealing.js';

/**
 * A DocumentDiff as every reader sees it (API diffs, the change feed, webhooks): each encrypted value is "[secret]"
 * in values, patches and texts, for every role (docs/secrets.md). A diff of documents without secrets is the diff.
 */
export interface ShownDiff {
  changes(): Promise<ValueChange[]>;
  patch(): Promise<JsonPatchOperation[]>;
  unified(): Promise<string>;
  oldText(): Promise<string | null>;
  newText(): Promise<string | null>;
  oldValue(): Promise<JsonValue | undefined>;
  newValue(): Promise<JsonValue | undefined>;
}

const shown = new WeakMap<DocumentDiff, ShownDiff>();

export function shownDiff(diff: DocumentDiff): ShownDiff {
  let view = shown.get(diff);
  if (!view) shown.set(diff, (view = redactedView(diff)));
  return view;
}

function redactedView(diff: DocumentDiff): ShownDiff {
  const texts = once(async () => {
    const [before, after] = await Promise.all([diff.oldText(), diff.newText()]);
    return [redactText(diff.path, before), redactText(diff.path, after)] as const;
  });
  return {
    changes: async () => redactChanges(await diff.changes()),
    patch: async () => redactPatch(await diff.patch()),
    async unified() {
      const [raw, redacted] = await Promise.all([Promise.all([diff.oldText(), diff.newText()]), texts()]);
      if (raw[0] === redacted[0] && raw[1] === redacted[1]) return diff.unified();
      return unifiedDiffOf(diff.path, redacted[0], redacted[1]);
    },
    oldText: async () => (await texts())[0],
    newText: async () => (await texts())[1],
    oldValue: async () => redactSealed(await diff.oldValue()),
    newValue: async () => redactSealed(await diff.newValue()),
  };
}

/** The text with each encrypted value "[secret]" (YAML keeps its comments); text that does not parse is withheld whole if it holds one. */
export function redactText(path: string, text: string | null): string | null {
  if (text === null || !text.includes(SEALED_PREFIX)) return text;
  let value: JsonValue;
  try {
    value = parseStoredDocument(path, text);
  } catch {
    return REDACTED;
  }
  const changes = sealedLeaves(value).map(([pointer, sealed]): ValueChange => ({ pointer, op: 'replace', oldValue: sealed, newValue: REDACTED }));
  return changes.length === 0 ? text : editedText(path, text, value, changes);
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => (promise ??= make());
}
