import { readFileSync } from 'node:fs';
import { buildSchema, introspectionFromSchema } from 'graphql';
import { minifyIntrospection, outputIntrospectionFile } from 'gql.tada/internal';

/** Where gql.tada (src/console/tsconfig.json) reads the schema's types from: generated, never edited by hand. */
export const CONSOLE_TYPINGS = new URL('../src/console/graphql-env.d.ts', import.meta.url);
export const SCHEMA_FILE = new URL('../schema/schema.graphql', import.meta.url);

/** The web console's typed view of the schema: what `gql.tada generate output` writes, from the printed SDL. */
export function consoleTypings(sdl = readFileSync(SCHEMA_FILE, 'utf8')): string {
  const introspection = minifyIntrospection(introspectionFromSchema(buildSchema(sdl)));
  return outputIntrospectionFile(introspection, { fileType: '.d.ts', shouldPreprocess: true });
}
