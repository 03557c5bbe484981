/** What a script can tell apart from the exit status alone. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  invalid: 2,
  notFound: 3,
  conflict: 4,
  forbidden: 5,
  unreachable: 6,
  checkFailed: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0  success (also UNCHANGED and REPLAYED writes)
  1  unexpected failure (server error, storage failure)
  2  usage error or invalid input (bad arguments, invalid path or document, schema violation,
     a malformed or ambiguous version reference, a request over a documented limit: TooExpensive)
  3  not found (a namespace, a version, or a document at the version read)
  4  conflict (VersionConflict, RevertConflict, OverlayConflict, NamespaceExists, TagExists, ProtectedTag,
     IdempotencyKeyReused, a change request already merged or rejected, a target that already exists, ...)
  5  forbidden or unauthenticated (missing/unknown token, role too low, approval required)
  6  server unreachable, or not ready (starting or stopping): retry later
  7  cairn agent --once: the version was written but --exec or --check failed (reported FAILED)

Environment: CAIRN_URL (default http://127.0.0.1:4000), CAIRN_TOKEN (bearer token), NO_COLOR.`;

/** The API's error types (the `__typename` of a result union's error members) by exit code. */
const BY_TYPENAME: Record<string, ExitCodeValue> = {
  NotFound: ExitCode.notFound,
  Forbidden: ExitCode.forbidden,
  ApprovalRequired: ExitCode.forbidden,
  ReviewNotAllowed: ExitCode.forbidden,
  InvalidNamespace: ExitCode.invalid,
  InvalidPath: ExitCode.invalid,
  InvalidDocument: ExitCode.invalid,
  InvalidRef: ExitCode.invalid,
  InvalidInput: ExitCode.invalid,
  InvalidTagName: ExitCode.invalid,
  InvalidWebhookUrl: ExitCode.invalid,
  SchemaViolation: ExitCode.invalid,
  VersionConflict: ExitCode.conflict,
  RevertConflict: ExitCode.conflict,
  OverlayConflict: ExitCode.conflict,
  NamespaceExists: ExitCode.conflict,
  TagExists: ExitCode.conflict,
  ProtectedTag: ExitCode.conflict,
  ProposalConflict: ExitCode.conflict,
  ProposalClosed: ExitCode.conflict,
  ProposalRejected: ExitCode.conflict,
  IdempotencyKeyReused: ExitCode.conflict,
  TooExpensive: ExitCode.invalid,
  StorageFailure: ExitCode.unexpected,
};

/** GraphQL errors (`extensions.code`) that connection fields and subscriptions raise instead of result unions. */
const BY_EXTENSION_CODE: Record<string, ExitCodeValue> = {
  NOT_FOUND: ExitCode.notFound,
  FORBIDDEN: ExitCode.forbidden,
  UNAUTHENTICATED: ExitCode.forbidden,
  INVALID_REF: ExitCode.invalid,
  INVALID_INPUT: ExitCode.invalid,
  INVALID_NAMESPACE: ExitCode.invalid,
  INVALID_PATH: ExitCode.invalid,
  TOO_EXPENSIVE: ExitCode.invalid,
  BAD_USER_INPUT: ExitCode.invalid,
  GRAPHQL_VALIDATION_FAILED: ExitCode.invalid,
  // A server that is starting or stopping (503) serves nothing yet, like one that cannot be reached: retry later.
  NOT_READY: ExitCode.unreachable,
};

/**
 * A well-formed version that names nothing (`InvalidRef` with reason `unknown`) is a lookup that found nothing: a
 * script tells it from a typo in the reference's syntax (`malformed`) or one that needs more digits (`ambiguous`).
 */
function isUnknownRef(reason: unknown): boolean {
  return reason === 'unknown';
}

export function exitCodeOfTypename(typename: string, reason?: unknown): ExitCodeValue {
  if (typename === 'InvalidRef' && isUnknownRef(reason)) return ExitCode.notFound;
  return BY_TYPENAME[typename] ?? ExitCode.unexpected;
}

export function exitCodeOfExtension(code: string | undefined, reason?: unknown): ExitCodeValue {
  if (code === 'INVALID_REF' && isUnknownRef(reason)) return ExitCode.notFound;
  return (code && BY_EXTENSION_CODE[code]) || ExitCode.unexpected;
}
