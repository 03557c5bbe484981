import { ERROR_FIELDS, PAYLOAD_FIELDS, READ_ERROR_FIELDS } from './operations.js';

/** GraphQL documents of environments and releases, shared by their tests. */
const REUSED_KEY = '... on IdempotencyKeyReused { requestId firstVersion }';
const RESULT = `${PAYLOAD_FIELDS} ${ERROR_FIELDS} ${REUSED_KEY} ... on NotFound { kind key }`;

export const DEFINE_ENVIRONMENT = `mutation($input: DefineEnvironmentInput!) { defineEnvironment(input: $input) { ${RESULT} } }`;
export const RELEASE = `mutation($input: ReleaseInput!) { release(input: $input) { ${RESULT} } }`;
export const ROLLBACK_ENVIRONMENT = `mutation($input: RollbackEnvironmentInput!) { rollbackEnvironment(input: $input) { ${RESULT} } }`;
export const PROMOTE = `mutation($input: PromoteInput!) { promote(input: $input) { ${RESULT} } }`;

const RELEASE_FIELDS = 'hash environment rollback comment requestId operator { email } version { hash } commit { hash action }';

export const ENVIRONMENTS = `query($ns: String!) { environments(namespace: $ns) {
  __typename ... on EnvironmentsSuccess { data { name description promotesFrom branch release { ${RELEASE_FIELDS} } } }
  ${READ_ERROR_FIELDS} } }`;

export const ENVIRONMENT = `query($ns: String!, $name: String!, $first: Int) { environment(namespace: $ns, name: $name) {
  __typename ... on EnvironmentSuccess { data { name release { ${RELEASE_FIELDS} } releases(first: $first) { ${RELEASE_FIELDS} } } }
  ${READ_ERROR_FIELDS} } }`;

export interface ReleaseFields {
  readonly hash: string;
  readonly environment: string;
  readonly rollback: boolean;
  readonly comment: string;
  readonly requestId: string | null;
  readonly operator: { readonly email: string };
  readonly version: { readonly hash: string } | null;
  readonly commit: { readonly hash: string; readonly action: string };
}
