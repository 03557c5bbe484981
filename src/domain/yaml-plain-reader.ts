import { EVENT_ID, SCALAR_STYLE, getScalarValue, parseEvents, type Event, type ScalarEvent } from 'js-yaml';
import { MAX_NESTING_DEPTH } from './document-limits.js';
import type { JsonValue } from './json-value.js';

/**
 * Reads plain YAML (maps, sequences and scalars, untagged, without anchors, aliases or merge keys: almost every
 * configuration file) from js-yaml's flat event stream, about eight times faster than the `yaml` library's syntax
 * tree (a 1 MiB document: 150 ms against 1.2 s). Anything else, and anything wrong, answers `undefined`: the full
 * reader (yaml-text.ts) then decides, so refusals, their messages and every rarer construct keep one meaning. The
 * values it does build are those of the full reader, scalars resolved by the same YAML 1.2 core schema (held to it
 * by test/domain/yaml-plain-reader.test.ts on real files and generated documents).
 */
export function readPlainYaml(text: string): JsonValue | undefined {
  // A byte order mark changes how the full reader sees the first line: such text keeps that reader.
  if (text.startsWith('\uFEFF') || !markersArePlain(text) || INDENTATION_INDICATOR.test(text) || TAB_IN_INDENTATION.test(text)) return undefined;
  let events: Event[];
  try {
    // One level more than a document may nest: deeper is refused, by the full reader, with its position.
    events = parseEvents(text, { maxDepth: MAX_NESTING_DEPTH + 1 });
  } catch {
    return undefined;
  }
  const document = events[0];
  if (events.length < 3 || document?.type !== EVENT_ID.DOCUMENT || document.directives.length > 0) return undefined;
  if (events[events.length - 1]?.type !== EVENT_ID.POP) return undefined;
  return new PlainBuilder(text, events).build();
}

/**
 * A block scalar header with an explicit indentation (`|2`, `>1-`): readers disagree on its whitespace-only lines,
 * and editors never write one. Text that merely looks like one falls back too, which costs time, not meaning.
 */
const INDENTATION_INDICATOR = /[|>](?:[1-9][+-]?|[+-][1-9])[ \t]*(?:#.*)?$/m;

/** Tabs may not indent YAML, and readers differ on where a tab in leading whitespace stops being indentation. */
const TAB_IN_INDENTATION = /^ *\t/m;

const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
const BLANK_OR_COMMENTS = /^(?:[ \t]*(?:#[^\n]*)?\r?\n)*$/;

/**
 * Document markers are where readers disagree most (a `...` before any document, a `---` after one): the fast path
 * takes at most one `---`, opening the text after nothing but blank lines and comments, as editors write it.
 */
function markersArePlain(text: string): boolean {
  const markers = [...text.matchAll(DOCUMENT_MARKER)];
  if (markers.length === 0) return true;
  const [first] = markers;
  return markers.length === 1 && first?.[0] === '---' && BLANK_OR_COMMENTS.test(text.slice(0, first.index));
}

/** A map or sequence being filled; `key` is the pending key of a map (null between pairs). */
interface Open {
  readonly value: Record<string, JsonValue> | JsonValue[];
  readonly keys: Set<string> | null;
  key: string | null;
}

/** Thrown to give up on the fast path: the full reader takes the document. */
const NOT_PLAIN = Symbol('not plain');

class PlainBuilder {
  private readonly open: Open[] = [];
  private root: JsonValue | undefined = undefined;

  constructor(
    private readonly text: string,
    private readonly events: readonly Event[],
  ) {}

  build(): JsonValue | undefined {
    try {
      // events[0] opens the document and the last one closes it: exactly one node lies in between.
      for (let index = 1; index < this.events.length - 1; index += 1) this.take(this.events[index] as Event);
    } catch (error) {
      if (error === NOT_PLAIN) return undefined;
      throw error;
    }
    return this.open.length === 0 ? this.root : undefined;
  }

  private take(event: Event): void {
    switch (event.type) {
      case EVENT_ID.SCALAR:
        return this.scalar(event);
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        if (event.anchorStart >= 0 || event.tagStart >= 0 || this.open.length >= MAX_NESTING_DEPTH) throw NOT_PLAIN;
        return this.begin(event.type === EVENT_ID.MAPPING ? { value: {}, keys: new Set(), key: null } : { value: [], keys: null, key: null });
      case EVENT_ID.POP:
        return this.end();
      default:
        // An alias, or a second document.
        throw NOT_PLAIN;
    }
  }

  private scalar(event: ScalarEvent): void {
    if (event.anchorStart >= 0 || event.tagStart >= 0) throw NOT_PLAIN;
    // Line folding inside flow scalars has corners where YAML readers differ (an escaped line break before an empty
    // line): a flow scalar over several lines is rare in configuration, and the full reader keeps its meaning.
    if (event.style < SCALAR_STYLE.LITERAL_BLOCK && spansLines(this.text, event)) throw NOT_PLAIN;
    const parent = this.open[this.open.length - 1];
    if (parent?.keys && parent.key === null) return this.mapKey(parent, event);
    this.place(event.style === SCALAR_STYLE.PLAIN ? resolveCorePlain(getScalarValue(this.text, event)) : getScalarValue(this.text, event));
  }

  /** Keys are strings as written (the full reader's `stringKeys`); "<<" would be a merge key. */
  private mapKey(parent: Open, event: ScalarEvent): void {
    const key = getScalarValue(this.text, event);
    const isMerge = key === '<<' && event.style === SCALAR_STYLE.PLAIN;
    if (isMerge || key === '__proto__' || parent.keys?.has(key)) throw NOT_PLAIN;
    parent.keys?.add(key);
    parent.key = key;
  }

  private begin(open: Open): void {
    const parent = this.open[this.open.length - 1];
    // A collection as a key (`? [a]: b`) is not plain.
    if (parent?.keys && parent.key === null) throw NOT_PLAIN;
    this.place(open.value);
    this.open.push(open);
  }

  private end(): void {
    const closed = this.open.pop();
    if (closed === undefined || closed.key !== null) throw NOT_PLAIN;
  }

  private place(value: JsonValue): void {
    const parent = this.open[this.open.length - 1];
    if (parent === undefined) {
      this.root = value;
    } else if (Array.isArray(parent.value)) {
      parent.value.push(value);
    } else if (parent.key !== null) {
      parent.value[parent.key] = value;
      parent.key = null;
    }
  }
}

function spansLines(text: string, event: ScalarEvent): boolean {
  const lineEnd = text.indexOf('\n', event.valueStart);
  return lineEnd !== -1 && lineEnd < event.valueEnd;
}

/**
 * The YAML 1.2 core schema's plain scalars, tested in the `yaml` library's order with its patterns: null, bool, octal,
 * decimal and hexadecimal integers, then floats. Infinity and NaN are no JSON numbers: the full reader refuses them.
 */
function resolveCorePlain(source: string): JsonValue {
  if (source === '' || NULL.test(source)) return null;
  if (BOOL.test(source)) return source[0] === 't' || source[0] === 'T';
  if (INT_OCT.test(source)) return parseInt(source.substring(2), 8);
  if (INT.test(source)) return parseInt(source, 10);
  if (INT_HEX.test(source)) return parseInt(source.substring(2), 16);
  if (FLOAT_NAN.test(source)) throw NOT_PLAIN;
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}

const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
