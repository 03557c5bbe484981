import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { JsonValue } from '../domain/json-value.js';
import { builder } from './builder.js';

function literalToJson(node: ValueNode, variables: Record<string, unknown> | null | undefined): JsonValue {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return (variables?.[node.name.value] ?? null) as JsonValue;
    default:
      throw new GraphQLError('JSON literal expected');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value: a document, or a value inside one.',
  serialize: (value) => value,
  parseValue: (value) => value as JsonValue,
  parseLiteral: (node, variables) => literalToJson(node, variables),
});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date;
  },
});
