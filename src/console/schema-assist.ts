import { type Completion, type CompletionContext, type CompletionResult, autocompletion, completionKeymap } from '@codemirror/autocomplete';
import type { Extension } from '@codemirror/state';
import { type EditorView, type Tooltip, hoverTooltip, keymap } from '@codemirror/view';
import { type Node, isMap, isNode, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Format } from './document-lint.js';
import type { DocumentSchema } from './document-schemas.js';

type SchemaObject = { readonly [key: string]: unknown };

/**
 * Help from the document's JSON Schemas while typing: the properties an object may have, as completions (with
 * their type and description), and a property's description on hover. Best effort over the text as it is, half
 * typed: where the structure cannot be read, nothing is offered.
 */
export function schemaAssist(format: Format, schemas: readonly DocumentSchema[]): Extension[] {
  const roots = schemas.map((s) => s.schema).filter(isSchema);
  if (!roots.length) return [];
  return [
    autocompletion({ override: [(context) => complete(context, format, roots)] }),
    keymap.of(completionKeymap),
    hoverTooltip((view, pos) => hover(view.state.doc.toString(), pos, roots)),
  ];
}

function complete(context: CompletionContext, format: Format, roots: readonly SchemaObject[]): CompletionResult | null {
  const word = context.matchBefore(format === 'JSON' ? /"?[\w$-]*/ : /[\w$-]*/);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  const text = context.state.doc.toString();
  const { path, keys } = objectAt(text, word.from);
  const options: Completion[] = roots.flatMap((root) =>
    Object.entries(properties(schemaAt(root, root, path))).flatMap(([name, sub]) =>
      keys.has(name)
        ? []
        : [{ label: name, type: 'property', detail: typeOf(sub), info: describe(sub), apply: format === 'JSON' ? applyJsonKey(`"${name}": `) : `${name}: ` }],
    ),
  );
  return options.length ? { from: word.from, options, validFor: /^"?[\w$-]*$/ } : null;
}

/** A JSON key replaces the closing quote the editor added after the one typed, if there is one. */
function applyJsonKey(insert: string): (view: EditorView, completion: Completion, from: number, to: number) => void {
  return (view, _completion, from, to) => {
    const end = view.state.sliceDoc(to, to + 1) === '"' ? to + 1 : to;
    view.dispatch({ changes: { from, to: end, insert }, selection: { anchor: from + insert.length } });
  };
}

function hover(text: string, pos: number, roots: readonly SchemaObject[]): Tooltip | null {
  const found = keyAt(text, pos);
  if (!found) return null;
  const notes = roots.map((root) => schemaAt(root, root, found.path)).flatMap((s) => (describe(s) || typeOf(s) ? [s] : []));
  const schema = notes[0];
  if (!schema) return null;
  return {
    pos: found.from,
    end: found.to,
    above: true,
    create: () => {
      const dom = document.createElement('div');
      dom.className = 'cm-schema-hover';
      const type = document.createElement('strong');
      type.textContent = typeOf(schema) ?? 'any';
      dom.append(type, ` ${describe(schema) ?? ''}`);
      return { dom };
    },
  };
}

/** The keys from the root to the object holding `pos`, and the keys that object already has. */
function objectAt(text: string, pos: number): { path: string[]; keys: Set<string> } {
  const path: string[] = [];
  let node: unknown = parseDocument(text).contents;
  for (;;) {
    const inside = childAt(node, pos, text);
    if (!inside) break;
    path.push(inside.key);
    node = inside.node;
  }
  const keys = new Set(isMap(node) ? node.items.map((p) => keyText(p.key)) : []);
  return { path, keys };
}

/** The key (as a path from the root) under `pos`, and where its text is. */
function keyAt(text: string, pos: number): { path: string[]; from: number; to: number } | null {
  const path: string[] = [];
  let node: unknown = parseDocument(text).contents;
  while (isMap(node) || isSeq(node)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isNode(p.key) && p.key.range && p.key.range[0] <= pos && pos <= p.key.range[1]);
      if (pair && isNode(pair.key) && pair.key.range) return { path: [...path, keyText(pair.key)], from: pair.key.range[0], to: pair.key.range[1] };
    }
    const inside = childAt(node, pos, text);
    if (!inside) return null;
    path.push(inside.key);
    node = inside.node;
  }
  return null;
}

/**
 * The collection value under `pos`, one level down. A half-typed key on the line under `key:` parses as the scalar
 * value of `key`: the cursor is then inside `key`'s object all the same.
 */
function childAt(node: unknown, pos: number, text: string): { key: string; node: Node | null } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isNode(pair.value) || !contains(pair.value, pos)) continue;
      if (isMap(pair.value) || isSeq(pair.value)) return { key: keyText(pair.key), node: pair.value };
      if (isScalar(pair.value) && isNode(pair.key) && pair.key.range && pair.value.range && text.slice(pair.key.range[1], pair.value.range[0]).includes('\n'))
        return { key: keyText(pair.key), node: null };
    }
  }
  if (isSeq(node)) {
    const index = node.items.findIndex((item) => isNode(item) && (isMap(item) || isSeq(item)) && contains(item, pos));
    const item = node.items[index];
    if (isNode(item)) return { key: String(index), node: item };
  }
  return null;
}

function contains(node: Node, pos: number): boolean {
  return !!node.range && node.range[0] <= pos && pos <= node.range[2];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The subschema at `path`: through properties, patternProperties, additionalProperties, items and local $refs. */
function schemaAt(root: SchemaObject, schema: SchemaObject, path: readonly string[]): SchemaObject {
  let current = resolve(root, schema);
  for (const segment of path) {
    const props = properties(current);
    const next =
      props[segment] ??
      (isSchema(current.items) ? current.items : undefined) ??
      (isSchema(current.additionalProperties) ? current.additionalProperties : undefined);
    if (!isSchema(next)) return {};
    current = resolve(root, next);
  }
  return current;
}

function resolve(root: SchemaObject, schema: SchemaObject): SchemaObject {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let target: unknown = root;
  for (const segment of ref.slice(2).split('/')) target = isSchema(target) ? target[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isSchema(target) ? target : schema;
}

function properties(schema: SchemaObject): Record<string, SchemaObject> {
  const props = schema.properties;
  if (!isSchema(props)) return {};
  return Object.fromEntries(Object.entries(props).filter((e): e is [string, SchemaObject] => isSchema(e[1])));
}

function typeOf(schema: SchemaObject): string | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return undefined;
}

function describe(schema: SchemaObject): string | undefined {
  return typeof schema.description === 'string' ? schema.description : typeof schema.title === 'string' ? schema.title : undefined;
}

function isSchema(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
