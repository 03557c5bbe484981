/** GraphQL documents shared by the API tests. */
const BASE_ERRORS = `... on Error { __typename message code }
  ... on InvalidPath { path reason }
  ... on InvalidRef { ref reason }
  ... on Forbidden { namespace requiredRole }`;

/** Reads and namespace mutations add a bad namespace name and something missing to those. */
export const READ_ERROR_FIELDS = `${BASE_ERRORS}
  ... on InvalidNamespace { namespace reason }
  ... on NotFound { kind key }`;

export const ERROR_FIELDS = `${BASE_ERRORS}
  ... on VersionConflict { expectedVersion currentVersion paths }
  ... on InvalidDocument { path detail line column }`;

export const REVERT_ERROR_FIELDS = `${ERROR_FIELDS}
  ... on RevertConflict { revertedVersion conflicts { path pointers } }`;

export const PAYLOAD_FIELDS = `... on WritePayload {
    __typename status
    version { hash action operator { name email } operatorIp requestId comment }
    base { hash }
    files { path status changes { pointer op oldValue newValue } patch unified }
  }`;

/** Write mutations only: the result unions of the other mutations do not have it. */
const REUSED_KEY = '... on IdempotencyKeyReused { requestId firstVersion }';

export const CREATE_NAMESPACE = `mutation($name: String!) { createNamespace(input: { name: $name }) { __typename ... on Namespace { name } ${READ_ERROR_FIELDS} } }`;

export const PUT_CONFIG = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${PAYLOAD_FIELDS} ${ERROR_FIELDS} ${REUSED_KEY} } }`;

export const APPLY_CHANGES = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { ${PAYLOAD_FIELDS} ${ERROR_FIELDS} ${REUSED_KEY} } }`;

export const DELETE_CONFIG = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { ${PAYLOAD_FIELDS} ${ERROR_FIELDS} ${REUSED_KEY} } }`;

export const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { ${PAYLOAD_FIELDS} ${ERROR_FIELDS} ${REUSED_KEY} } }`;

export const REVERT = `mutation($input: RevertInput!) { revert(input: $input) { ${PAYLOAD_FIELDS} ${REVERT_ERROR_FIELDS} ${REUSED_KEY} } }`;

export const HEAD = `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { head { hash } versionCount } ${BASE_ERRORS} } }`;

export const CHANGES_SUBSCRIPTION = `subscription($ns: String, $since: String, $prefix: String) {
  changes(namespace: $ns, since: $since, pathPrefix: $prefix) {
    id namespace version parentVersion sequence action operator { name email } time comment
    documents { path status changes { pointer op oldValue newValue } patch tooLarge }
  }
}`;

export interface WriteResult {
  __typename: string;
  status?: string;
  version?: { hash: string; action: string; operator: { name: string; email: string }; operatorIp: string; requestId: string | null; comment: string } | null;
  base?: { hash: string } | null;
  files?: { path: string; status: string; changes: { pointer: string; op: string; oldValue: unknown; newValue: unknown }[]; patch: unknown; unified: string }[];
  message?: string;
  code?: string;
  currentVersion?: string | null;
  paths?: string[];
  line?: number | null;
  column?: number | null;
  revertedVersion?: string;
  requestId?: string;
  firstVersion?: string;
  conflicts?: { path: string; pointers: string[] }[];
}
