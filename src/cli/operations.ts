import { apiError } from './errors.js';

/** The error members of a read's result union, with the fields a person or a script needs to act on them. */
const ERRORS = `... on Error { __typename message code }
  ... on NotFound { kind key }
  ... on Forbidden { namespace requiredRole }
  ... on InvalidPath { path reason }
  ... on InvalidRef { ref reason }
  ... on InvalidNamespace { namespace reason }`;

/** A write's result union adds these. */
const WRITE_ERRORS = `${ERRORS}
  ... on InvalidDocument { path detail line column }
  ... on VersionConflict { expectedVersion currentVersion paths }
  ... on SchemaViolation { violations { path pointer keyword message schema } }
  ... on OverlayConflict { overlays { basePath cluster overlayPath reason } }
  ... on ApprovalRequired { paths required approvals missingFrom }
  ... on StorageFailure { reason }
  ... on IdempotencyKeyReused { requestId firstVersion }
  ... on TooExpensive { limit detail }`;

const REVERT_ERRORS = `${WRITE_ERRORS} ... on RevertConflict { revertedVersion conflicts { path pointers } }`;

const VERSION = `hash shortHash timestamp authoredAt action comment operator { name email } importedBy { name email } operatorIp requestId`;
const FILE_DIFF = `path status changes { pointer op oldValue newValue } unified`;
const FILES = `files { ${FILE_DIFF} }`;
const WRITE_PAYLOAD = `... on WritePayload { __typename status version { ${VERSION} } base { hash shortHash } ${FILES} validation { path pointer message } }`;

export const NAMESPACE_HEAD = `query($ns: String!) { namespace(name: $ns) { __typename ${ERRORS} ... on Namespace { head { hash } } } }`;

export const GET_CONFIG = `query($ns: String!, $path: String!, $at: String) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { config(path: $path, at: $at) { __typename ${ERRORS}
    ... on ConfigDocument { path format text content at { hash } version { ${VERSION} } } } } } }`;

export const PUT_CONFIG = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const APPLY_CHANGES = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const REVERT = `mutation($input: RevertInput!) { revert(input: $input) { __typename ${WRITE_PAYLOAD} ${REVERT_ERRORS} } }`;
export const CREATE_NAMESPACE = `mutation($name: String!) { createNamespace(input: { name: $name }) { __typename ${ERRORS} ... on Namespace { name } ... on NamespaceExists { namespace } ... on StorageFailure { reason } } }`;

export const IMPORT_HISTORY = `mutation($input: ImportHistoryInput!) { importHistory(input: $input) { __typename ${WRITE_ERRORS}
  ... on ImportHistoryPayload { commits { status version { hash } } } } }`;

export const HISTORY = `query($ns: String!, $path: String, $first: Int, $after: String) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { versions(path: $path, first: $first, after: $after) {
    edges { node { ${VERSION} changes { path status } } } pageInfo { hasNextPage endCursor } } } } }`;

export const DIFF = `query($ns: String!, $from: String!, $to: String, $path: String) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { diff(from: $from, to: $to, path: $path) { __typename ${ERRORS}
    ... on Diff { from { hash shortHash } to { hash shortHash } ${FILES} } } } } }`;

export const EFFECTIVE_DIFF = `query($ns: String!, $from: EffectiveSide!, $to: EffectiveSide!, $path: String!) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { effectiveDiff(from: $from, to: $to, path: $path) { __typename ${ERRORS}
    ... on Diff { from { hash shortHash } to { hash shortHash } ${FILES} } } } } }`;

export const AUDIT = `query($ns: String!, $filter: AuditFilter, $first: Int, $after: String) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { audit(filter: $filter, first: $first, after: $after) {
    edges { node { version { hash shortHash } action time authoredAt operator { name email } importedBy { name email } operatorIp comment paths requestId } }
    pageInfo { hasNextPage endCursor } } } } }`;

export const NAMESPACES = `query($after: String) { namespaces(first: 100, after: $after) {
  edges { node { name versionCount head { hash shortHash timestamp } } } pageInfo { hasNextPage endCursor } } }`;

export const RESOLVE_VERSION = `query($ns: String!, $ref: String!) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { version(ref: $ref) { __typename ${ERRORS} ... on Version { hash timestamp } } } } }`;

export const CONFIGS = `query($ns: String!, $at: String!) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { configs(at: $at) { __typename ${ERRORS} ... on ConfigsSuccess { data { path text } } } } } }`;

export const CONFIG_PATHS = `query($ns: String!) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { head { hash } configs { __typename ${ERRORS} ... on ConfigsSuccess { data { path } } } } } }`;

export const CHANGES = `subscription($ns: String!, $since: String, $prefix: String) {
  changes(namespace: $ns, since: $since, pathPrefix: $prefix) {
    id namespace version parentVersion sequence action operator { name email } operatorIp time comment
    documents { path status changes { pointer op oldValue newValue } tooLarge } } }`;

type Typed = { __typename: string } & Record<string, unknown>;

/** The success member of a result union, or the CliError for its error member. */
export function unwrap<T>(result: Typed | null | undefined, success: string): T {
  if (!result) throw apiError({ __typename: 'Unexpected', message: 'the server answered no result' });
  if (result.__typename !== success) throw apiError(result);
  return result as unknown as T;
}

const ENVIRONMENT_FIELDS = `name description promotesFrom clusters
  release { hash version { hash shortHash } rollback operator { name email } time }
  rollout { version stable phase step stepCount canaryStep percent bakeSecondsLeft reached healthy failed }
  instances { id converged status }`;

export const ENVIRONMENTS = `query($ns: String!) { environments(namespace: $ns) { __typename ${ERRORS} ... on EnvironmentsSuccess { data { ${ENVIRONMENT_FIELDS} } } } }`;
export const ENVIRONMENT = `query($ns: String!, $name: String!) { environment(namespace: $ns, name: $name) { __typename ${ERRORS} ... on EnvironmentSuccess { data { ${ENVIRONMENT_FIELDS} } } } }`;
export const ENVIRONMENT_RELEASE = `query($ns: String!, $name: String!) { environment(namespace: $ns, name: $name) { __typename ${ERRORS} ... on EnvironmentSuccess { data { release { hash } } } } }`;
export const DEFINE_ENVIRONMENT = `mutation($input: DefineEnvironmentInput!) { defineEnvironment(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const RELEASE = `mutation($input: ReleaseInput!) { release(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const PROPOSE_RELEASE = `mutation($input: ProposeReleaseInput!) { proposeRelease(input: $input) { __typename ${ERRORS}
  ... on Proposal { id branch state release { environment rollout version { hash shortHash } } } } }`;
export const BLAME = `query($ns: String!, $path: String!, $at: String, $pointer: String) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { blame(path: $path, at: $at, pointer: $pointer) { __typename ${ERRORS}
    ... on Blame { at { hash shortHash } entries { pointer value time action comment operator { name email } version { hash shortHash } } } } } } }`;
export const VERIFY_INTEGRITY = `query($ns: String!) { verifyIntegrity(namespace: $ns) { __typename ${ERRORS}
  ... on IntegrityReport { ok objectsChecked refsChecked problems { kind subject message } } } }`;
export const RELEASE_AUDIT = `query($ns: String!, $first: Int) { releaseAudit(namespace: $ns, first: $first) { __typename ${ERRORS}
  ... on ReleaseAuditSuccess { data { version { hash shortHash } time action comment operator { email } } } } }`;
export const ROLLBACK_ENVIRONMENT = `mutation($input: RollbackEnvironmentInput!) { rollbackEnvironment(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const ENVIRONMENT_DIFF = `query($ns: String!, $from: String!, $to: String!) { environmentDiff(namespace: $ns, from: $from, to: $to) {
  __typename ${ERRORS} ... on EnvironmentDiffSuccess { data { cluster ${FILES} } } } }`;
export const PROMOTE = `mutation($input: PromoteInput!) { promote(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;
export const ROLLOUT_COMMAND = (name: string): string =>
  `mutation($input: RolloutCommandInput!) { ${name}Rollout(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;

export const DELETE_CONFIG = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { __typename ${WRITE_PAYLOAD} ${WRITE_ERRORS} } }`;

export const EFFECTIVE_CONFIG = `query($ns: String!, $path: String!, $cluster: String, $at: String) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { effectiveConfig(path: $path, cluster: $cluster, at: $at) { __typename ${ERRORS} ... on OverlayConflict { overlays { basePath cluster overlayPath reason } }
    ... on EffectiveConfig { path cluster content overlayPath at { hash } } } } } }`;

export const COMPARE = `query($left: ConfigSideInput!, $right: ConfigSideInput!, $prefix: String) { compareConfigs(left: $left, right: $right, prefix: $prefix) {
  __typename ${ERRORS} ... on CompareConfigsSuccess { data { left { hash shortHash } right { hash shortHash } ${FILES} } } } }`;

const TAG_ERRORS = `${ERRORS} ... on TagExists { name currentHash } ... on ProtectedTag { name pattern } ... on InvalidTagName { name reason } ... on StorageFailure { reason }`;
const TAG = `... on Tag { name hash annotated message protectedBy time tagger { name email } target { hash shortHash } }`;
export const TAGS = `query($ns: String!) { tags(namespace: $ns) { __typename ${TAG_ERRORS} ... on TagsSuccess { data { ${TAG} } } } }`;
export const CREATE_TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { __typename ${TAG_ERRORS} ${TAG} } }`;
export const DELETE_TAG = `mutation($input: DeleteTagInput!) { deleteTag(input: $input) { __typename ${TAG_ERRORS} ${TAG} } }`;

/** Each proposal mutation's union has its own error members: a fragment on a type outside it is a validation error. */
const CLOSED = `... on ProposalClosed { proposal state }`;
const REVIEW_ERRORS = `${ERRORS} ${CLOSED} ... on ReviewNotAllowed { proposal reason } ... on StorageFailure { reason }`;
const PROPOSE_ERRORS = `${ERRORS} ... on InvalidDocument { path detail line column } ... on VersionConflict { expectedVersion currentVersion paths }
  ... on StorageFailure { reason }`;
const MERGE_ERRORS = `${WRITE_ERRORS} ${CLOSED} ... on ProposalConflict { proposal paths } ... on ProposalRejected { proposal }`;
const PROPOSAL = `... on Proposal { id namespace branch state comment createdAt author { name email } base { hash shortHash } change { hash shortHash }
  mergedVersion { hash shortHash } reviews { verdict comment time reviewer { name email } } diff { ${FILE_DIFF} }
  release { environment rollout version { hash shortHash } } }`;
export const PROPOSE_CHANGE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ${PROPOSE_ERRORS} ${PROPOSAL} } }`;
export const PROPOSAL_QUERY = `query($ns: String!, $id: String!) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { proposal(id: $id) { __typename ${ERRORS} ${PROPOSAL} } } } }`;
export const PROPOSALS = `query($ns: String!, $state: ProposalState) { namespace(name: $ns) { __typename ${ERRORS}
  ... on Namespace { proposals(state: $state) { __typename ${PROPOSAL} } } } }`;
export const PROPOSAL_ACTION = (name: 'approveChange' | 'rejectChange' | 'commentChange'): string =>
  `mutation($input: ProposalActionInput!) { ${name}(input: $input) { __typename ${REVIEW_ERRORS} ${PROPOSAL} } }`;
export const MERGE_CHANGE = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) { __typename ${WRITE_PAYLOAD} ${MERGE_ERRORS} } }`;

const WEBHOOK_ERRORS = `${ERRORS} ... on InvalidWebhookUrl { url reason } ... on StorageFailure { reason }`;
const WEBHOOK = `id namespace url enabled status disabledReason pathPrefix actions environments deliveredVersion pendingVersions createdAt previousSecretExpiresAt
  lastDelivery { eventId outcome statusCode time }`;
const DELIVERY = `eventId version attempt trigger outcome statusCode latencyMs error time nextAttemptAt`;
export const WEBHOOKS = `query($ns: String!) { webhooks(namespace: $ns) { __typename ${WEBHOOK_ERRORS} ... on WebhooksSuccess { data { ${WEBHOOK} } } } }`;
export const CREATE_WEBHOOK = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename ${WEBHOOK_ERRORS}
  ... on WebhookSecretPayload { secret webhook { ${WEBHOOK} } } } }`;
export const UPDATE_WEBHOOK = `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { __typename ${WEBHOOK_ERRORS} ... on Webhook { ${WEBHOOK} } } }`;
export const DELETE_WEBHOOK = `mutation($input: WebhookIdInput!) { deleteWebhook(input: $input) { __typename ${WEBHOOK_ERRORS} ... on DeletedWebhook { id namespace url } } }`;
export const ROTATE_WEBHOOK_SECRET = `mutation($input: WebhookIdInput!) { rotateWebhookSecret(input: $input) { __typename ${WEBHOOK_ERRORS}
  ... on WebhookSecretPayload { secret webhook { ${WEBHOOK} } } } }`;
export const WEBHOOK_DELIVERIES = `query($id: String!, $first: Int, $after: String) { webhook(id: $id) { __typename ${WEBHOOK_ERRORS}
  ... on Webhook { deliveries(first: $first, after: $after) { edges { node { ${DELIVERY} } } pageInfo { hasNextPage endCursor } } } } }`;
export const REDELIVER = `mutation($input: RedeliverInput!) { redeliver(input: $input) { __typename ${WEBHOOK_ERRORS}
  ... on RedeliverPayload { eventId version redelivery } } }`;
