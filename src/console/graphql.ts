import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.js';

/** Typed GraphQL documents: result and variable types come from schema/schema.graphql (graphql-env.d.ts). */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown };
  // Fragments only share field lists here; every component reads the whole result.
  disableMasking: true;
}>();

export type { ResultOf, VariablesOf, TadaDocumentNode } from 'gql.tada';
