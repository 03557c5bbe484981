import { graphql } from './graphql.js';

/**
 * Every GraphQL document the console sends; types are checked against schema/schema.graphql by gql.tada. Fragments
 * stay one level deep: the server's depth limit (CAIRN_MAX_DEPTH, default 10) counts each fragment as a level.
 */

const ERROR = graphql(`
  fragment ErrorFields on Error {
    __typename
    code
    message
  }
`);

export const VERSION = graphql(`
  fragment VersionFields on Version {
    hash
    shortHash
    sequence
    action
    comment
    timestamp
    authoredAt
    operatorIp
    forced
    emergency
    operator {
      name
      email
    }
    importedBy {
      name
      email
    }
    rollbackTo {
      shortHash
    }
    reverts {
      shortHash
    }
    changes {
      path
      status
    }
  }
`);

export const NAMESPACES = graphql(`
  query Namespaces($first: Int!, $after: String) {
    namespaces(first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          name
          versionCount
          head {
            shortHash
            timestamp
          }
        }
      }
    }
  }
`);

export const DOCUMENTS = graphql(
  `
    query Documents($ns: String!) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          configs {
            __typename
            ... on ConfigsSuccess {
              data {
                path
                format
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const DOCUMENT = graphql(
  `
    query Document($ns: String!, $path: String!, $at: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          config(path: $path, at: $at) {
            __typename
            ... on ConfigDocument {
              path
              format
              text
              at {
                shortHash
              }
              version {
                ...VersionFields
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, VERSION],
);

export const VERSIONS = graphql(
  `
    query Versions($ns: String!, $path: String, $first: Int!, $after: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          versions(path: $path, first: $first, after: $after) {
            pageInfo {
              hasNextPage
            }
            edges {
              cursor
              node {
                ...VersionFields
              }
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, VERSION],
);

export const FILE_DIFF = graphql(`
  fragment FileDiffFields on FileDiff {
    path
    status
    format
    unified
    changes {
      pointer
      op
      oldValue
      newValue
    }
  }
`);

export const DIFF = graphql(
  `
    query Diff($ns: String!, $from: String!, $to: String, $path: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          diff(from: $from, to: $to, path: $path) {
            __typename
            ... on Diff {
              from {
                shortHash
              }
              to {
                shortHash
              }
              files {
                ...FileDiffFields
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, FILE_DIFF],
);

export const AUDIT = graphql(
  `
    query Audit($ns: String!, $filter: AuditFilter, $first: Int!, $after: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          audit(filter: $filter, first: $first, after: $after) {
            pageInfo {
              hasNextPage
            }
            edges {
              cursor
              node {
                action
                comment
                time
                authoredAt
                operatorIp
                paths
                emergency
                operator {
                  name
                  email
                }
                importedBy {
                  name
                  email
                }
                version {
                  hash
                  shortHash
                }
              }
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** The audit log across every namespace one may read (at most 100 entries a page). */
export const AUDIT_ACROSS = graphql(`
  query AuditAcross($filter: AuditFilter, $first: Int!, $after: String) {
    audit(filter: $filter, first: $first, after: $after) {
      pageInfo {
        hasNextPage
      }
      edges {
        cursor
        node {
          namespace
          action
          comment
          time
          operatorIp
          paths
          operator {
            name
            email
          }
          version {
            hash
            shortHash
          }
        }
      }
    }
  }
`);

/** What a preview or a committed rollback/revert reports; the failures a console user can act on. */
export const WRITE_OUTCOME = graphql(
  `
    fragment WriteOutcome on WritePayload {
      status
      base {
        hash
        shortHash
      }
      version {
        hash
        shortHash
      }
      files {
        ...FileDiffFields
      }
      validation {
        path
        pointer
        keyword
        message
        schema
      }
    }
  `,
  [FILE_DIFF],
);

export const ROLLBACK = graphql(
  `
    mutation Rollback($input: RollbackInput!) {
      rollback(input: $input) {
        __typename
        ... on WritePayload {
          ...WriteOutcome
        }
        ... on VersionConflict {
          currentVersion
          paths
        }
        ... on SchemaViolation {
          violations {
            path
            pointer
            keyword
            message
            schema
          }
        }
        ... on ApprovalRequired {
          paths
          missingFrom
        }
        ... on OverlayConflict {
          overlays {
            overlayPath
            basePath
            cluster
            reason
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, WRITE_OUTCOME],
);

export const REVERT = graphql(
  `
    mutation Revert($input: RevertInput!) {
      revert(input: $input) {
        __typename
        ... on WritePayload {
          ...WriteOutcome
        }
        ... on RevertConflict {
          revertedVersion
          conflicts {
            path
            pointers
            values {
              pointer
              truncated
              before {
                present
                value
              }
              after {
                present
                value
              }
              current {
                present
                value
              }
              laterVersions {
                version {
                  hash
                  shortHash
                  comment
                  timestamp
                  operator {
                    name
                    email
                  }
                }
                value {
                  present
                  value
                }
              }
            }
          }
        }
        ... on VersionConflict {
          currentVersion
          paths
        }
        ... on SchemaViolation {
          violations {
            path
            pointer
            keyword
            message
            schema
          }
        }
        ... on ApprovalRequired {
          paths
          missingFrom
        }
        ... on OverlayConflict {
          overlays {
            overlayPath
            basePath
            cluster
            reason
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, WRITE_OUTCOME],
);

export const HEAD = graphql(`
  query Head($ns: String!) {
    namespace(name: $ns) {
      __typename
      ... on Namespace {
        head {
          hash
        }
      }
    }
  }
`);

export const CHANGES = graphql(`
  subscription Changes($ns: String!, $since: String) {
    changes(namespace: $ns, since: $since) {
      id
      version
      sequence
      action
      comment
      time
      operator {
        name
        email
      }
      documents {
        path
        status
      }
    }
  }
`);

export const VERSION_DIFF = graphql(
  `
    query VersionDiff($ns: String!, $ref: String!) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          version(ref: $ref) {
            __typename
            ... on Version {
              diff {
                ...FileDiffFields
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, FILE_DIFF],
);

export const TAGS = graphql(
  `
    query Tags($ns: String!) {
      tags(namespace: $ns) {
        __typename
        ... on TagsSuccess {
          data {
            name
            message
            protectedBy
            target {
              hash
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const PROPOSALS = graphql(
  `
    query Proposals($ns: String!) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          proposals {
            id
            state
            comment
            createdAt
            branch
            author {
              name
              email
            }
            base {
              shortHash
            }
            mergedVersion {
              shortHash
            }
            release {
              environment
              rollout
              version {
                shortHash
              }
            }
            reviews {
              verdict
              comment
              time
              reviewer {
                name
                email
              }
            }
            requirements {
              mergeable
              approvedBy
              rules {
                paths
                environments
                required
                approvers
                approvedBy
                missing
              }
              blockers {
                code
                message
              }
            }
            diff {
              ...FileDiffFields
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, FILE_DIFF],
);

export const BLAME = graphql(
  `
    query Blame($ns: String!, $path: String!, $at: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          blame(path: $path, at: $at) {
            __typename
            ... on Blame {
              entries {
                pointer
                value
                action
                comment
                time
                operator {
                  name
                  email
                }
                version {
                  hash
                  shortHash
                }
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const CREATE_TAG = graphql(
  `
    mutation CreateTag($input: CreateTagInput!) {
      createTag(input: $input) {
        __typename
        ... on Tag {
          name
          target {
            hash
          }
        }
        ... on InvalidTagName {
          name
          reason
        }
        ... on TagExists {
          name
        }
        ... on ProtectedTag {
          name
          pattern
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const APPROVE_CHANGE = graphql(
  `
    mutation ApproveChange($input: ProposalActionInput!) {
      approveChange(input: $input) {
        __typename
        ... on Proposal {
          id
          state
        }
        ... on ReviewNotAllowed {
          proposal
          reason
        }
        ... on ProposalClosed {
          proposal
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const REJECT_CHANGE = graphql(
  `
    mutation RejectChange($input: ProposalActionInput!) {
      rejectChange(input: $input) {
        __typename
        ... on Proposal {
          id
          state
        }
        ... on ReviewNotAllowed {
          proposal
          reason
        }
        ... on ProposalClosed {
          proposal
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const COMMENT_CHANGE = graphql(
  `
    mutation CommentChange($input: ProposalActionInput!) {
      commentChange(input: $input) {
        __typename
        ... on Proposal {
          id
          state
        }
        ... on ReviewNotAllowed {
          proposal
          reason
        }
        ... on ProposalClosed {
          proposal
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const MERGE_CHANGE = graphql(
  `
    mutation MergeChange($input: ProposalActionInput!) {
      mergeChange(input: $input) {
        __typename
        ... on WritePayload {
          status
          version {
            hash
            shortHash
          }
        }
        ... on ApprovalRequired {
          paths
          required
          approvals
          missingFrom
        }
        ... on ProposalConflict {
          proposal
          paths
        }
        ... on ProposalRejected {
          proposal
        }
        ... on ProposalClosed {
          proposal
          state
        }
        ... on VersionConflict {
          currentVersion
          paths
        }
        ... on SchemaViolation {
          violations {
            path
            pointer
            message
          }
        }
        ... on OverlayConflict {
          overlays {
            overlayPath
            reason
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const PROPOSAL_EVENTS = graphql(`
  subscription ProposalEvents($ns: String!) {
    proposalEvents(namespace: $ns) {
      proposalId
      action
    }
  }
`);

/** Who the token is, and (inside a namespace) the role it has there: the console shows only what that role may do. */
export const VIEWER = graphql(`
  query Viewer($ns: String!, $inNamespace: Boolean!) {
    viewer {
      name
      email
      role(namespace: $ns) @include(if: $inNamespace)
    }
  }
`);

/**
 * The namespace policy at main's head: the approvers it names may review change requests whatever their role, so
 * a viewer named there is offered Approve and Reject.
 */
export const POLICY = graphql(`
  query Policy($ns: String!) {
    namespace(name: $ns) {
      __typename
      ... on Namespace {
        config(path: ".cairn/policy.json") {
          __typename
          ... on ConfigDocument {
            content
          }
        }
      }
    }
  }
`);

export const ENVIRONMENTS = graphql(
  `
    query Environments($ns: String!) {
      environments(namespace: $ns) {
        __typename
        ... on EnvironmentsSuccess {
          data {
            name
            description
            promotesFrom
            release {
              hash
              rollback
              time
              operator {
                name
              }
              version {
                hash
                shortHash
              }
            }
            releases(first: 20) {
              hash
              version {
                hash
                shortHash
              }
            }
            rollout {
              phase
              step
              stepCount
              canaryStep
              percent
              bakeSecondsLeft
              reached
              healthy
              failed
            }
            clusterSummary {
              instances
              converged
            }
            instances(first: 200) {
              id
              cluster
              desiredVersion
              appliedVersion
              status
              converged
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const RELEASE = graphql(
  `
    mutation Release($input: ReleaseInput!) {
      release(input: $input) {
        __typename
        ... on WritePayload {
          ...WriteOutcome
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, WRITE_OUTCOME],
);

export const PROMOTE = graphql(
  `
    mutation Promote($input: PromoteInput!) {
      promote(input: $input) {
        __typename
        ... on WritePayload {
          ...WriteOutcome
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, WRITE_OUTCOME],
);

export const ROLLBACK_ENVIRONMENT = graphql(
  `
    mutation RollbackEnvironment($input: RollbackEnvironmentInput!) {
      rollbackEnvironment(input: $input) {
        __typename
        ... on WritePayload {
          ...WriteOutcome
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, WRITE_OUTCOME],
);

export const PAUSE_ROLLOUT = graphql(
  `
    mutation PauseRollout($input: RolloutCommandInput!) {
      pauseRollout(input: $input) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const RESUME_ROLLOUT = graphql(
  `
    mutation ResumeRollout($input: RolloutCommandInput!) {
      resumeRollout(input: $input) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const ABORT_ROLLOUT = graphql(
  `
    mutation AbortRollout($input: RolloutCommandInput!) {
      abortRollout(input: $input) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** A document opened for editing: its text and the version it was read at, which guards the save. */
export const EDITABLE_DOCUMENT = graphql(
  `
    query EditableDocument($ns: String!, $path: String!, $at: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          config(path: $path, at: $at) {
            __typename
            ... on ConfigDocument {
              path
              format
              text
              content
              at {
                hash
                shortHash
              }
              version {
                comment
                operator {
                  name
                }
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** A parsed file of the namespace (the schema index, a schema): null content when it does not exist. */
export const PARSED_FILE = graphql(`
  query ParsedFile($ns: String!, $path: String!) {
    namespace(name: $ns) {
      __typename
      ... on Namespace {
        config(path: $path) {
          __typename
          ... on ConfigDocument {
            content
          }
        }
      }
    }
  }
`);

/** What a save, a creation, a rename or a deletion answers: the failures a console user can act on. */
/** Why an edit was refused, as the editor shows it: the same fields for a put, an apply and a delete (four fragments, one per refusal). */
const CONFLICT_REFUSAL = graphql(`
  fragment ConflictRefusal on VersionConflict {
    currentVersion
    paths
  }
`);
const VIOLATION_REFUSAL = graphql(`
  fragment ViolationRefusal on SchemaViolation {
    violations {
      path
      pointer
      keyword
      message
      schema
    }
  }
`);
const APPROVAL_REFUSAL = graphql(`
  fragment ApprovalRefusal on ApprovalRequired {
    paths
    missingFrom
  }
`);
const OVERLAY_REFUSAL = graphql(`
  fragment OverlayRefusal on OverlayConflict {
    overlays {
      overlayPath
      reason
    }
  }
`);

const EDIT_OUTCOME = graphql(`
  fragment EditOutcome on WritePayload {
    status
    version {
      hash
      shortHash
    }
  }
`);

export const PUT_CONFIG = graphql(
  `
    mutation PutConfig($input: PutConfigInput!) {
      putConfig(input: $input) {
        __typename
        ... on WritePayload {
          ...EditOutcome
        }
        ...ConflictRefusal
        ...ViolationRefusal
        ...ApprovalRefusal
        ...OverlayRefusal
        ...ErrorFields
      }
    }
  `,
  [ERROR, EDIT_OUTCOME, CONFLICT_REFUSAL, VIOLATION_REFUSAL, APPROVAL_REFUSAL, OVERLAY_REFUSAL],
);

export const APPLY_CHANGES = graphql(
  `
    mutation ApplyChanges($input: ApplyChangesInput!) {
      applyChanges(input: $input) {
        __typename
        ... on WritePayload {
          ...EditOutcome
        }
        ...ConflictRefusal
        ...ViolationRefusal
        ...ApprovalRefusal
        ...OverlayRefusal
        ...ErrorFields
      }
    }
  `,
  [ERROR, EDIT_OUTCOME, CONFLICT_REFUSAL, VIOLATION_REFUSAL, APPROVAL_REFUSAL, OVERLAY_REFUSAL],
);

export const DELETE_CONFIG = graphql(
  `
    mutation DeleteConfig($input: DeleteConfigInput!) {
      deleteConfig(input: $input) {
        __typename
        ... on WritePayload {
          ...EditOutcome
        }
        ...ConflictRefusal
        ...ViolationRefusal
        ...ApprovalRefusal
        ...OverlayRefusal
        ...ErrorFields
      }
    }
  `,
  [ERROR, EDIT_OUTCOME, CONFLICT_REFUSAL, VIOLATION_REFUSAL, APPROVAL_REFUSAL, OVERLAY_REFUSAL],
);

export const PROPOSE_CHANGE = graphql(
  `
    mutation ProposeChange($input: ProposeChangeInput!) {
      proposeChange(input: $input) {
        __typename
        ... on Proposal {
          id
        }
        ... on VersionConflict {
          currentVersion
          paths
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const PROPOSE_ROLLBACK = graphql(
  `
    mutation ProposeRollback($input: ProposeRollbackInput!) {
      proposeRollback(input: $input) {
        __typename
        ... on Proposal {
          id
        }
        ... on VersionConflict {
          currentVersion
          paths
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** The documents under a folder (a base document's overlays: `<stem>.overlays/`). */
export const DOCUMENTS_UNDER = graphql(
  `
    query DocumentsUnder($ns: String!, $prefix: String!) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          configs(prefix: $prefix) {
            __typename
            ... on ConfigsSuccess {
              data {
                path
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** A document as one cluster runs it, and where each of its fields comes from. */
export const EFFECTIVE_CONFIG = graphql(
  `
    query EffectiveConfig($ns: String!, $path: String!, $cluster: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          effectiveConfig(path: $path, cluster: $cluster) {
            __typename
            ... on EffectiveConfig {
              cluster
              overlayPath
              overlay
              content
              at {
                hash
                shortHash
              }
              fields {
                pointer
                value
                layer
                opIndex
                version {
                  hash
                  shortHash
                  comment
                  timestamp
                  operator {
                    name
                    email
                  }
                }
              }
            }
            ... on OverlayConflict {
              overlays {
                overlayPath
                opIndex
                reason
              }
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** The refusals the webhook page shows: every error's message and code, and what was wrong with a URL. */
const WEBHOOK_REFUSAL = graphql(`
  fragment WebhookRefusal on InvalidWebhookUrl {
    url
    reason
  }
`);

const WEBHOOK_FIELDS = graphql(`
  fragment WebhookFields on Webhook {
    id
    url
    pathPrefix
    actions
    environments
    enabled
    disabledReason
    status
    pendingVersions
    previousSecretExpiresAt
    createdAt
    createdBy {
      name
      email
    }
    lastDelivery {
      eventId
      outcome
      statusCode
      attempt
      time
      error
    }
  }
`);

/** A namespace's webhooks (admins). */
export const WEBHOOKS = graphql(
  `
    query Webhooks($ns: String!) {
      webhooks(namespace: $ns) {
        __typename
        ... on WebhooksSuccess {
          data {
            ...WebhookFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, WEBHOOK_FIELDS],
);

/** One webhook's delivery attempts, newest first. */
export const WEBHOOK_DELIVERIES = graphql(
  `
    query WebhookDeliveries($id: String!, $first: Int!) {
      webhook(id: $id) {
        __typename
        ... on Webhook {
          id
          deliveries(first: $first) {
            edges {
              cursor
              node {
                eventId
                version
                attempt
                trigger
                outcome
                statusCode
                latencyMs
                error
                nextAttemptAt
                time
              }
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const CREATE_WEBHOOK = graphql(
  `
    mutation CreateWebhook($input: CreateWebhookInput!) {
      createWebhook(input: $input) {
        __typename
        ... on WebhookSecretPayload {
          secret
          webhook {
            id
          }
        }
        ...ErrorFields
        ...WebhookRefusal
      }
    }
  `,
  [ERROR, WEBHOOK_REFUSAL],
);

export const UPDATE_WEBHOOK = graphql(
  `
    mutation UpdateWebhook($input: UpdateWebhookInput!) {
      updateWebhook(input: $input) {
        __typename
        ... on Webhook {
          id
        }
        ...ErrorFields
        ...WebhookRefusal
      }
    }
  `,
  [ERROR, WEBHOOK_REFUSAL],
);

export const ROTATE_WEBHOOK_SECRET = graphql(
  `
    mutation RotateWebhookSecret($id: String!) {
      rotateWebhookSecret(input: { id: $id }) {
        __typename
        ... on WebhookSecretPayload {
          secret
          webhook {
            id
            previousSecretExpiresAt
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const DELETE_WEBHOOK = graphql(
  `
    mutation DeleteWebhook($id: String!) {
      deleteWebhook(input: { id: $id }) {
        __typename
        ... on DeletedWebhook {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

export const REDELIVER = graphql(
  `
    mutation Redeliver($webhookId: String!, $eventId: String!) {
      redeliver(input: { webhookId: $webhookId, eventId: $eventId }) {
        __typename
        ... on RedeliverPayload {
          eventId
          redelivery
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** Whether the operator may create namespaces at all: the server requires admin for the new name (createNamespace). */
export const VIEWER_GRANTS = graphql(`
  query ViewerGrants {
    viewer {
      grants {
        pattern
        role
      }
    }
  }
`);

export const CREATE_NAMESPACE = graphql(
  `
    mutation CreateNamespace($name: String!) {
      createNamespace(input: { name: $name }) {
        __typename
        ... on Namespace {
          name
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** Versions of main whose comment, operator or tag contains `search`, or whose hash starts with it (version pickers). */
export const VERSION_SEARCH = graphql(
  `
    query VersionSearch($ns: String!, $path: String, $search: String, $first: Int!, $after: String) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          versions(path: $path, search: $search, first: $first, after: $after) {
            pageInfo {
              hasNextPage
              endCursor
            }
            edges {
              node {
                hash
                shortHash
                action
                comment
                timestamp
                operator {
                  name
                  email
                }
              }
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** Two configurations side by side (compare page): each effective document that differs. */
export const COMPARE_CONFIGS = graphql(
  `
    query CompareConfigs($left: ConfigSideInput!, $right: ConfigSideInput!, $prefix: String) {
      compareConfigs(left: $left, right: $right, prefix: $prefix) {
        __typename
        ... on CompareConfigsSuccess {
          data {
            left {
              shortHash
            }
            right {
              shortHash
            }
            files {
              ...FileDiffFields
            }
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR, FILE_DIFF],
);

/** The names of a namespace's environments (compare page). */
export const ENVIRONMENT_NAMES = graphql(
  `
    query EnvironmentNames($ns: String!) {
      environments(namespace: $ns) {
        __typename
        ... on EnvironmentsSuccess {
          data {
            name
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** Uploaded files as one commit: the refusals that name a file (a parse error, schema violations) are selected to show per file. */
export const UPLOAD_DOCUMENTS = graphql(
  `
    mutation UploadDocuments($input: ApplyChangesInput!) {
      applyChanges(input: $input) {
        __typename
        ... on WritePayload {
          version {
            hash
            shortHash
          }
        }
        ... on InvalidDocument {
          path
          line
          column
          detail
        }
        ... on SchemaViolation {
          violations {
            path
            pointer
            message
            schema
          }
        }
        ... on VersionConflict {
          paths
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);

/** Where a version is in main's history (the draft change request proposes against its oldest base). */
export const VERSION_SEQUENCE = graphql(
  `
    query VersionSequence($ns: String!, $ref: String!) {
      namespace(name: $ns) {
        __typename
        ... on Namespace {
          version(ref: $ref) {
            __typename
            ... on Version {
              hash
              sequence
            }
            ...ErrorFields
          }
        }
        ...ErrorFields
      }
    }
  `,
  [ERROR],
);
