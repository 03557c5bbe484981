/**
 * Expected failures. Each has a stable `code` that the GraphQL layer maps one-to-one onto a typed result,
 * so callers match on the class or the code, never on message text.
 */
export abstract class CairnError extends Error {
  abstract readonly code: string;
}

export class NotFoundError extends CairnError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly kind: 'namespace' | 'document' | 'version' | 'webhook' | 'tag' | 'proposal' | 'environment' | 'service token',
    readonly key: string,
  ) {
    super(`${kind} '${key}' not found`);
  }
}

export class InvalidNamespaceError extends CairnError {
  readonly code = 'INVALID_NAMESPACE';
  constructor(
    readonly namespace: string,
    readonly reason: string,
  ) {
    super(`invalid namespace name: ${reason}`);
  }
}

export class NamespaceExistsError extends CairnError {
  readonly code = 'NAMESPACE_EXISTS';
  constructor(readonly namespace: string) {
    super(`namespace '${namespace}' already exists`);
  }
}

export class InvalidPathError extends CairnError {
  readonly code = 'INVALID_PATH';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`invalid document path: ${reason}`);
  }
}

export class InvalidDocumentError extends CairnError {
  readonly code = 'INVALID_DOCUMENT';
  constructor(
    readonly path: string,
    readonly detail: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(`invalid document '${path}'${line === null ? '' : ` at line ${line}, column ${column ?? 0}`}: ${detail}`);
  }
}

export class InvalidRefError extends CairnError {
  readonly code = 'INVALID_REF';
  constructor(
    readonly ref: string,
    readonly reason: 'unknown' | 'ambiguous' | 'malformed',
  ) {
    super(`${reason} version reference '${ref}'`);
  }
}

export class InvalidInputError extends CairnError {
  readonly code = 'INVALID_INPUT';
  constructor(message: string) {
    super(message);
  }
}

export class VersionConflictError extends CairnError {
  readonly code = 'VERSION_CONFLICT';
  constructor(
    readonly expectedVersion: string | null,
    readonly currentVersion: string | null,
    readonly paths: readonly string[],
  ) {
    super(
      `version conflict: ${paths.length ? paths.join(', ') : 'the namespace'} changed since ${expectedVersion ?? 'creation'} (current version ${currentVersion ?? 'none'})`,
    );
  }
}

export interface ValueConflict {
  readonly path: string;
  /** RFC 6901 pointers whose value was changed again after the reverted commit. */
  readonly pointers: readonly string[];
}

export class RevertConflictError extends CairnError {
  readonly code = 'REVERT_CONFLICT';
  constructor(
    readonly version: string,
    readonly conflicts: readonly ValueConflict[],
  ) {
    super(`cannot revert ${version}: later versions changed ${conflicts.map((c) => c.path).join(', ')}`);
  }
}

export class ForbiddenError extends CairnError {
  readonly code = 'FORBIDDEN';
  constructor(
    readonly namespace: string,
    readonly requiredRole: string,
    /** Why else it is refused, when the role is there (a token scoped to other environments). */
    reason?: string,
  ) {
    super(reason ? `forbidden: ${reason}` : `forbidden: this operation on '${namespace}' needs the ${requiredRole} role`);
  }
}

export class StorageError extends CairnError {
  readonly code = 'STORAGE_FAILURE';
  constructor(
    readonly reason: string,
    message = `the repository could not be written (${reason}); nothing was committed`,
  ) {
    super(message);
  }

  /** The shared remote did not answer: the push may or may not have landed, so the client should retry. */
  static remote(reason: string): StorageError {
    return new StorageError(reason, `the shared Git remote could not be reached (${reason}); retry with the same requestId to learn whether it was committed`);
  }
}

export class InvalidWebhookUrlError extends CairnError {
  readonly code = 'INVALID_WEBHOOK_URL';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`webhook URL refused: ${reason}`);
  }
}

/** An overlay that does not apply to its base document. */
export interface BrokenOverlay {
  readonly basePath: string;
  readonly cluster: string;
  readonly overlayPath: string;
  /** The failing operation, from 0; null when the overlay as a whole cannot apply (no base document). */
  readonly opIndex: number | null;
  readonly reason: string;
}

export class OverlayConflictError extends CairnError {
  readonly code = 'OVERLAY_CONFLICT';
  constructor(readonly overlays: readonly BrokenOverlay[]) {
    super(
      `overlays do not apply: ${overlays.map((o) => `${o.cluster} (${o.overlayPath}${o.opIndex === null ? '' : ` operation ${o.opIndex}`}: ${o.reason})`).join('; ')}`,
    );
  }
}

export class InvalidTagNameError extends CairnError {
  readonly code = 'INVALID_TAG_NAME';
  constructor(
    readonly tag: string,
    readonly reason: string,
  ) {
    super(`invalid tag name '${tag}': ${reason}`);
  }
}

export class TagExistsError extends CairnError {
  readonly code = 'TAG_EXISTS';
  constructor(
    readonly tag: string,
    readonly target: string,
  ) {
    super(`tag '${tag}' already exists (on ${target}); tags are never moved`);
  }
}

export class ProtectedTagError extends CairnError {
  readonly code = 'PROTECTED_TAG';
  constructor(
    readonly tag: string,
    readonly pattern: string,
  ) {
    super(`tag '${tag}' is protected by the namespace policy ('${pattern}'): it cannot be moved or deleted`);
  }
}

/**
 * A request whose cost, grown with user data, would pass a documented limit: refused before the work is done (or as
 * soon as the limit is reached), so one request cannot hold the event loop every tenant shares. `limit` names the
 * setting (or the built-in bound) that refused it.
 */
export class TooExpensiveError extends CairnError {
  readonly code = 'TOO_EXPENSIVE';
  constructor(
    readonly limit: string,
    readonly detail: string,
  ) {
    super(`too expensive: ${detail} (limit ${limit})`);
  }
}

/**
 * An idempotency key (requestId) already used for a different request (another operation, payload or operator) in
 * this namespace: nothing was done, and nothing is replayed. Send a new key for a new request.
 */
export class IdempotencyKeyReusedError extends CairnError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(
    readonly requestId: string,
    /** The version the key's first request committed. */
    readonly version: string,
  ) {
    super(`requestId '${requestId}' was already used for a different request (it committed ${version}); use a new requestId for a new request`);
  }
}
