import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './version.js';
import './diff.js';
import './config-document.js';
import './namespace.js';
import './write-payload.js';
import './update.js';
import './rollback.js';
import './revert.js';
import './import-history.js';
import './change-feed.js';
import './integrity.js';
import './webhook.js';
import './schema-validation.js';
import './overlay.js';
import './tag.js';
import './environment.js';
import './comparison.js';
import './rollout.js';
import './etcd.js';
import './blame.js';
import './secret-rotation.js';
import './proposal.js';
import './viewer.js';
import './service-token.js';

export const schema: GraphQLSchema = builder.toSchema();

/** The SDL committed as schema/schema.graphql, sorted so that it only changes when the API does. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
