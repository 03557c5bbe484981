import { z } from 'zod';
import { SETTING_DECLARATIONS } from './setting-declarations.js';

/** docs/operations.md's configuration table lies between these two lines; `npm run docs:settings` rewrites what is between them. */
export const TABLE_START = '<!-- settings: generated from src/server/setting-declarations.ts by `npm run docs:settings`; edit it there -->';
export const TABLE_END = '<!-- end of settings -->';

/** One row per declared variable, in declaration order: its name, its default, what it means. */
export function settingsTable(): string {
  const rows = SETTING_DECLARATIONS.flatMap((declarations) => Object.entries(declarations.shape).map(([name, schema]) => row(name, schema)));
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the table the declarations make now. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/operations.md needs the lines ${TABLE_START} and ${TABLE_END}, in that order`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${settingsTable()}\n${readme.slice(end)}`;
}

function row(name: string, schema: z.ZodType): string {
  const meaning = schema.description;
  if (!meaning) throw new Error(`${name} has no description: say what it means with .describe() in setting-declarations.ts`);
  const cells = [`\`${name}\``, z.globalRegistry.get(schema)?.shownDefault ?? shown(declaredDefault(schema)), meaning];
  const piped = cells.find((cell) => cell.includes('|'));
  if (piped !== undefined) throw new Error(`${name}: a table cell cannot hold '|': ${piped}`);
  return `| ${cells.join(' | ')} |`;
}

/** The value an unset variable takes: `.default()` holds the value, `.prefault()` the text that is parsed. */
export function declaredDefault(schema: z.core.$ZodType): unknown {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return schema.def.defaultValue;
  // setting-values.ts wraps a default in a pipe that reads blank text as unset.
  if (schema instanceof z.ZodPipe) return declaredDefault(schema.out);
  return undefined;
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return '—';
  return `\`${String(value)}\``;
}
