import AjvDraft07 from 'ajv';
import Ajv2019 from 'ajv/dist/2019.js';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, Options, Schema, ValidateFunction } from 'ajv';
import { InvalidDocumentError } from './errors.js';
import type { JsonValue } from './json-value.js';

/** Validates a parsed document against one compiled schema: ajv's errors, [] when it conforms. */
export type DocumentValidator = (value: JsonValue) => readonly ErrorObject[];

const OPTIONS: Options = {
  // Every violation, not the first: the writer fixes them all in one round.
  allErrors: true,
  // Unknown keywords are refused: a typo such as "requried" would otherwise silently check nothing.
  strict: true,
  // These strict checks refuse legitimate schemas (a `type` left to a sibling `properties`, tuples without bounds,
  // `required` naming a property no `properties` describes).
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  // `format` is an annotation, as JSON Schema 2019-09 and later define it by default: no format vocabulary is loaded.
  validateFormats: false,
  logger: false,
};

/** `$ref`s this service can resolve: inside the schema itself. Anything else would mean a fetch, and there is no network. */
function externalRef(value: unknown): string | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = externalRef(item);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    if ((key === '$ref' || key === '$dynamicRef' || key === '$recursiveRef') && typeof item === 'string' && !item.startsWith('#')) return item;
    const found = externalRef(item);
    if (found !== null) return found;
  }
  return null;
}

function ajvFor(schema: JsonValue): AjvDraft07.default {
  const dialect = typeof schema === 'object' && schema !== null && !Array.isArray(schema) && typeof schema.$schema === 'string' ? schema.$schema : '';
  // Each compilation gets its own instance: two schema files may declare the same $id.
  if (dialect.includes('2020-12')) return new Ajv2020.default(OPTIONS);
  if (dialect.includes('2019-09')) return new Ajv2019.default(OPTIONS);
  return new AjvDraft07.default(OPTIONS);
}

/**
 * Compiles the JSON Schema stored at `schemaPath` (draft-07 by default; 2019-09 and 2020-12 by `$schema`).
 * A value that is not a valid schema, or refers outside itself, is refused with InvalidDocument and ajv's message.
 */
export function compileSchema(schemaPath: string, schema: JsonValue): DocumentValidator {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw new InvalidDocumentError(schemaPath, 'a JSON Schema must be an object or a boolean');
  }
  const ref = externalRef(schema);
  if (ref !== null)
    throw new InvalidDocumentError(
      schemaPath,
      `$ref '${ref}' points outside the schema: only references inside it ('#/...') are supported, nothing is fetched`,
    );
  let validate: ValidateFunction;
  try {
    validate = ajvFor(schema).compile(schema as Schema);
  } catch (error) {
    throw new InvalidDocumentError(schemaPath, `not a valid JSON Schema: ${(error as Error).message}`);
  }
  return (value) => (validate(value) ? [] : [...(validate.errors ?? [])]);
}
