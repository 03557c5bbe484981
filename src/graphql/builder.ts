import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import type { JsonValue } from '../domain/json-value.js';
import type { GraphQLContext } from './context.js';
import TypedFailuresPlugin from './typed-failures.js';

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    JSON: { Input: JsonValue; Output: unknown };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  // Before the errors plugin, so that its wrapper sees what the errors plugin returns (src/graphql/typed-failures.ts).
  plugins: [TypedFailuresPlugin, ErrorsPlugin, RelayPlugin],
  relay: { cursorType: 'String', clientMutationId: 'omit', nodeQueryOptions: false, nodesQueryOptions: false },
  errors: {
    directResult: false,
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
