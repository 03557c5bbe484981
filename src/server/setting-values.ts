import { z } from 'zod';

/**
 * How an environment variable's text becomes a setting's value: the kinds of value setting-declarations.ts is made
 * of. A refusal's message reads after the variable's name ("CAIRN_PORT must be …"); an error thrown by a value's own
 * parser is kept as the refusal's cause, its message quoted after a colon (see refusal in settings.ts).
 */

declare module 'zod' {
  interface GlobalMeta {
    /** README's default, where the value itself would mislead: computed on each machine, or not a value at all. */
    shownDefault?: string;
  }
}

/** Compose files and shell scripts write `CAIRN_PORT=` to mean "not set". */
function unsetIfBlank<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema);
}

const FALSE = ['0', 'false', 'off', 'no'];

/** Off for 0, false, off and no in any case; on for anything else. */
export function flag(fallback: boolean) {
  return unsetIfBlank(
    z
      .string()
      .transform((text) => !FALSE.includes(text.toLowerCase()))
      .default(fallback),
  );
}

const nonNegativeInteger = z.string().transform((text, ctx) => {
  const value = Number(text);
  if (Number.isInteger(value) && value >= 0) return value;
  ctx.issues.push({ code: 'custom', input: text, message: `must be a non-negative integer, got '${text}'` });
  return z.NEVER;
});

/** A whole number, 0 included. */
export function count(fallback: number) {
  return unsetIfBlank(nonNegativeInteger.default(fallback));
}

/** A whole number where 0 would mean nothing works (a bound, a timeout, a size). */
export function atLeastOne(fallback: number) {
  const positive = nonNegativeInteger.refine((value) => value >= 1, { error: (issue) => `must be at least 1, got ${String(issue.input)}` });
  return unsetIfBlank(positive.default(fallback));
}

export function text(fallback: string) {
  return unsetIfBlank(z.string().default(fallback));
}

/** Null when unset. */
export function optionalText() {
  return unsetIfBlank(z.string().nullable().default(null));
}

/** Comma-separated; blank entries are dropped. */
export function list() {
  return unsetIfBlank(
    z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .default([]),
  );
}

/**
 * Text read by a parser of the domain, from `fallback` when unset. The empty text is handed to the parser as it is:
 * for a retry schedule it means no retries, not the default schedule.
 */
export function parsedBy<T>(parse: (text: string) => T, fallback: string) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return parse(text);
      } catch (error) {
        ctx.issues.push({ code: 'custom', input: text, message: (error as Error).message, params: { cause: error } });
        return z.NEVER;
      }
    })
    .prefault(fallback);
}

/** An http(s) URL, kept as written; text that is no URL at all throws URL's own TypeError. */
export function httpUrl() {
  return z.string().refine((text) => ['http:', 'https:'].includes(new URL(text).protocol), {
    error: (issue) => `must be an http(s) URL, got '${new URL(String(issue.input)).protocol}'`,
  });
}
