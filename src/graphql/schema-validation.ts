import { type SchemaViolation, SchemaViolationError } from '../domain/schema-violation.js';
import { builder } from './builder.js';
import { errorType } from './errors.js';
import { WritePayloadRef } from './write-payload.js';

const SchemaViolationItemRef = builder.objectRef<SchemaViolation>('SchemaViolationItem').implement({
  description: 'One way a document fails one of the JSON Schemas in `.cairn/schemas/` that cover it.',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'The document.' }),
    pointer: t.exposeString('pointer', { description: 'JSON pointer (RFC 6901) inside the document; "" is the whole document.' }),
    message: t.exposeString('message'),
    keyword: t.exposeString('keyword', { description: 'The JSON Schema keyword that failed: type, required, additionalProperties, ...' }),
    schema: t.exposeString('schema', { description: 'The schema file violated, e.g. .cairn/schemas/service.schema.json.' }),
  }),
});

errorType(SchemaViolationError, {
  name: 'SchemaViolation',
  description: 'The write would leave documents violating their JSON Schemas: every violation is listed and nothing was committed.',
  fields: (t) => ({ violations: t.field({ type: [SchemaViolationItemRef], resolve: (e) => [...e.violations] }) }),
});

builder.objectField(WritePayloadRef, 'validation', (t) =>
  t.field({
    type: [SchemaViolationItemRef],
    description:
      "For a preview, the schema violations the write would be refused for (an old version may violate today's schema); empty when valid, and always empty for a committed write.",
    resolve: (o) => (o.kind === 'preview' ? o.findings.flatMap((f) => (f instanceof SchemaViolationError ? f.violations : [])) : []),
  }),
);
