import { writeFileSync } from 'node:fs';
import { printedSchema } from '../src/graphql/schema.js';
import { CONSOLE_TYPINGS, SCHEMA_FILE, consoleTypings } from './console-typings.js';

const sdl = printedSchema();
writeFileSync(SCHEMA_FILE, sdl);
console.log('schema/schema.graphql written');
writeFileSync(CONSOLE_TYPINGS, consoleTypings(sdl));
console.log('src/console/graphql-env.d.ts written (gql.tada)');
