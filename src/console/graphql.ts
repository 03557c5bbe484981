import { type DocumentNode, print } from 'graphql';
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

/**
 * The text sent to the server. gql.tada keeps parsed documents (source text only for fragments); graphql-js's
 * printer (graphql is already a dependency of the server) reads that AST, and tree-shaking keeps only the printer.
 */
export function documentText(document: DocumentNode): string {
  return print(document);
}
