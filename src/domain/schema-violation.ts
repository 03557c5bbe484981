import type { ErrorObject } from 'ajv';
import { CairnError } from './errors.js';

/** One way a document fails one of its schemas. */
export interface SchemaViolation {
  /** The document. */
  readonly path: string;
  /** RFC 6901 pointer inside the document to the offending value ('' is the whole document). */
  readonly pointer: string;
  readonly message: string;
  /** The JSON Schema keyword that failed (`type`, `required`, `additionalProperties`, ...). */
  readonly keyword: string;
  /** The schema file that was violated. */
  readonly schema: string;
}

/** Documents the write would leave violating their schemas: every violation of every document, nothing committed. */
export class SchemaViolationError extends CairnError {
  readonly code = 'SCHEMA_VIOLATION';
  constructor(readonly violations: readonly SchemaViolation[]) {
    const paths = [...new Set(violations.map((v) => v.path))];
    super(`${violations.length} schema violation${violations.length === 1 ? '' : 's'} in ${paths.join(', ')}; nothing was committed`);
  }
}

/**
 * Turns ajv's errors into violations. Ajv reports a missing or unexpected property at the object holding it;
 * the property's name is added to the message so each violation reads on its own.
 */
export function violationsOf(path: string, schema: string, errors: readonly ErrorObject[]): SchemaViolation[] {
  return errors.map((e) => ({ path, schema, pointer: e.instancePath, keyword: e.keyword, message: messageOf(e) }));
}

function messageOf(error: ErrorObject): string {
  const message = error.message ?? `must pass "${error.keyword}"`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') return `${message}: '${params.additionalProperty}'`;
  if (error.keyword === 'unevaluatedProperties' && typeof params.unevaluatedProperty === 'string') return `${message}: '${params.unevaluatedProperty}'`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) return `${message}: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return message;
}
