/**
 * How many values a YAML document may expand to through aliases and merge keys. Every later step (the JSON
 * walk, diffs, blame, change events, the JSON a read returns) costs per expanded value, so the bound follows
 * the text: a document may hold 10× the values written in it, and never more than `maxValues`.
 */
export const EXPANSION_FACTOR = 10;

/**
 * Small files lean on shared blocks the hardest (five environments merging one 30-key default is 5× on its own),
 * and a thousand values cost microseconds, so no document is held to less.
 */
export const MIN_EXPANSION_LIMIT = 1000;

export interface ExpansionLimit {
  readonly values: number;
  /** Which rule set the limit, for the refusal message. */
  readonly reason: string;
}

/**
 * `written` counts the values in the text itself (scalars, collections, empty values), `maxValues` is the absolute
 * cap. A document without aliases is never refused here: its size is already bounded by the byte limit.
 */
export function expansionLimit(written: number, maxValues: number): ExpansionLimit {
  const relative = Math.max(MIN_EXPANSION_LIMIT, EXPANSION_FACTOR * written);
  const reason = `${EXPANSION_FACTOR}× the ${written} values written in it, and at least ${MIN_EXPANSION_LIMIT}`;
  if (maxValues < relative) {
    if (maxValues >= written) return { values: maxValues, reason: 'the most any document may hold' };
    return { values: written, reason: 'a document this large may not grow through aliases at all' };
  }
  return { values: relative, reason };
}

export function expansionProblem(limit: ExpansionLimit): string {
  return `aliases expand the document to more than ${limit.values} values (${limit.reason})`;
}
