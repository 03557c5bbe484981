import type { ObjectFieldsShape } from '@pothos/core';
import {
  CairnError,
  ForbiddenError,
  InvalidDocumentError,
  InvalidInputError,
  InvalidNamespaceError,
  InvalidPathError,
  InvalidRefError,
  InvalidTagNameError,
  InvalidWebhookUrlError,
  NamespaceExistsError,
  NotFoundError,
  type BrokenOverlay,
  OverlayConflictError,
  ProtectedTagError,
  RevertConflictError,
  StorageError,
  TagExistsError,
  TooExpensiveError,
  IdempotencyKeyReusedError,
  type ValueConflict,
  VersionConflictError,
} from '../domain/errors.js';
import { SchemaViolationError } from '../domain/schema-violation.js';
import { SecretError } from '../domain/secret-errors.js';
import { ApprovalRequiredError, ProposalClosedError, ProposalConflictError, ProposalRejectedError, ReviewNotAllowedError } from '../domain/proposal-errors.js';
import { isDetailed } from '../services/revert-conflict.js';
import { builder } from './builder.js';
import { ConflictingValueRef } from './revert-conflict.js';

/** Every expected failure is one of these types in a result union, with a stable code and a clear message. */
const ErrorInterface = builder.interfaceRef<CairnError>('Error').implement({
  description: 'An expected failure: nothing was changed.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

type ErrorFields<Shape> = ObjectFieldsShape<typeof builder.$inferSchemaTypes, Shape>;

/**
 * Declares a domain error class as a GraphQL type implementing `Error`. A field that lists the class in its
 * `errors` returns it as a member of its result union (the errors plugin catches it); the `Error` fields come
 * from the interface, `fields` adds the details. The plugin hands a proxy of the error that `instanceof` does
 * not see through, and unwraps it before calling `isTypeOf`.
 */
export function errorType<Shape extends CairnError>(
  error: new (...args: never[]) => Shape,
  options: { readonly name: string; readonly description?: string; readonly fields?: ErrorFields<Shape> },
): void {
  // Pothos cannot work out a generic class's parent shape here; each call site checks `fields` against its own class.
  const param: new () => CairnError = error;
  builder.objectType(param, {
    name: options.name,
    description: options.description,
    interfaces: () => [ErrorInterface],
    isTypeOf: (value) => value instanceof error,
    fields: options.fields as ErrorFields<CairnError> | undefined,
  });
}

const ValueConflictRef = builder.objectRef<ValueConflict>('ValueConflict').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    pointers: t.exposeStringList('pointers'),
    values: t.field({
      type: [ConflictingValueRef],
      description: 'Each conflicting value with its competing values (empty when the detail was not computed).',
      resolve: (c) => (isDetailed(c) ? [...c.values] : []),
    }),
  }),
});

const BrokenOverlayRef = builder.objectRef<BrokenOverlay>('BrokenOverlay').implement({
  description: 'An overlay that does not apply to its base document.',
  fields: (t) => ({
    basePath: t.exposeString('basePath'),
    cluster: t.exposeString('cluster'),
    overlayPath: t.exposeString('overlayPath'),
    opIndex: t.exposeInt('opIndex', {
      nullable: true,
      description: 'The failing RFC 6902 operation, from 0; null when the overlay as a whole cannot apply (no base).',
    }),
    reason: t.exposeString('reason'),
  }),
});

export const ProposalStateEnum = builder.enumType('ProposalState', {
  values: { OPEN: { value: 'open' }, MERGED: { value: 'merged' }, REJECTED: { value: 'rejected' } } as const,
});

errorType(NotFoundError, { name: 'NotFound', fields: (t) => ({ kind: t.exposeString('kind'), key: t.exposeString('key') }) });

errorType(ForbiddenError, {
  name: 'Forbidden',
  fields: (t) => ({ namespace: t.exposeString('namespace'), requiredRole: t.exposeString('requiredRole') }),
});

errorType(InvalidNamespaceError, {
  name: 'InvalidNamespace',
  fields: (t) => ({ namespace: t.exposeString('namespace'), reason: t.exposeString('reason') }),
});

errorType(NamespaceExistsError, { name: 'NamespaceExists', fields: (t) => ({ namespace: t.exposeString('namespace') }) });

errorType(InvalidPathError, { name: 'InvalidPath', fields: (t) => ({ path: t.exposeString('path'), reason: t.exposeString('reason') }) });

errorType(InvalidDocumentError, {
  name: 'InvalidDocument',
  fields: (t) => ({
    path: t.exposeString('path'),
    detail: t.exposeString('detail'),
    line: t.exposeInt('line', { nullable: true }),
    column: t.exposeInt('column', { nullable: true }),
  }),
});

errorType(InvalidRefError, { name: 'InvalidRef', fields: (t) => ({ ref: t.exposeString('ref'), reason: t.exposeString('reason') }) });

errorType(InvalidInputError, { name: 'InvalidInput' });

errorType(VersionConflictError, {
  name: 'VersionConflict',
  description: 'Someone else changed these documents after the expected version; re-read and retry.',
  fields: (t) => ({
    expectedVersion: t.exposeString('expectedVersion', { nullable: true }),
    currentVersion: t.exposeString('currentVersion', { nullable: true }),
    paths: t.exposeStringList('paths'),
  }),
});

errorType(RevertConflictError, {
  name: 'RevertConflict',
  description: 'Later versions changed the values the reverted version changed; nothing was committed.',
  fields: (t) => ({
    revertedVersion: t.exposeString('version'),
    conflicts: t.field({ type: [ValueConflictRef], resolve: (e) => [...e.conflicts] }),
  }),
});

errorType(StorageError, {
  name: 'StorageFailure',
  description: 'The disk refused the write (full, read-only, failing); nothing was committed and the head did not move.',
  fields: (t) => ({ reason: t.exposeString('reason') }),
});

errorType(InvalidWebhookUrlError, {
  name: 'InvalidWebhookUrl',
  description: 'The URL is malformed, or the SSRF guard refuses it (a loopback, private, link-local or metadata address, before or after DNS).',
  fields: (t) => ({ url: t.exposeString('url'), reason: t.exposeString('reason') }),
});

errorType(OverlayConflictError, {
  name: 'OverlayConflict',
  description:
    'Overlays would no longer apply to their base (or the overlay written does not); nothing was committed. Fix them in the same write, or pass force: true on a direct write (a merge of a change request takes no force: fix the overlay first).',
  fields: (t) => ({ overlays: t.field({ type: [BrokenOverlayRef], resolve: (e) => [...e.overlays] }) }),
});

errorType(ApprovalRequiredError, {
  name: 'ApprovalRequired',
  description: 'These paths are under an approval rule of .cairn/policy.json: they change only through an approved change request.',
  fields: (t) => ({
    paths: t.exposeStringList('paths'),
    required: t.exposeInt('required'),
    approvals: t.exposeInt('approvals'),
    missingFrom: t.exposeStringList('missingFrom', { description: 'Approvers (emails) who have not approved yet; never the author.' }),
  }),
});

errorType(ProposalRejectedError, { name: 'ProposalRejected', fields: (t) => ({ proposal: t.exposeString('proposal') }) });

errorType(ProposalConflictError, {
  name: 'ProposalConflict',
  description: 'Main changed these documents after the proposal was made; nothing was merged. Propose again on the current head.',
  fields: (t) => ({ proposal: t.exposeString('proposal'), paths: t.exposeStringList('paths') }),
});

errorType(ProposalClosedError, {
  name: 'ProposalClosed',
  description: 'The proposal was already merged or rejected; nothing was recorded.',
  fields: (t) => ({ proposal: t.exposeString('proposal'), state: t.field({ type: ProposalStateEnum, resolve: (e) => e.state }) }),
});

errorType(ReviewNotAllowedError, {
  name: 'ReviewNotAllowed',
  description: 'The author cannot approve their own change, and only approvers named by the policy may approve.',
  fields: (t) => ({ proposal: t.exposeString('proposal'), reason: t.string({ resolve: (e) => (e.reason === 'author' ? 'AUTHOR' : 'NOT_APPROVER') }) }),
});

errorType(TooExpensiveError, {
  name: 'TooExpensive',
  description:
    'The request would cost more than a documented limit allows (docs/operations.md, "Limits"); nothing was changed. Narrow it (a pointer, a path, fewer versions) or raise the limit.',
  fields: (t) => ({
    limit: t.exposeString('limit', { description: 'The setting or built-in bound that refused the request.' }),
    detail: t.exposeString('detail'),
  }),
});

errorType(IdempotencyKeyReusedError, {
  name: 'IdempotencyKeyReused',
  description:
    'This requestId was already used in this namespace for a different request (another operation, payload or operator): nothing was done and nothing is replayed. A new request needs a new requestId.',
  fields: (t) => ({
    requestId: t.exposeString('requestId'),
    firstVersion: t.exposeString('version', { description: "The version the key's first request committed." }),
  }),
});

errorType(InvalidTagNameError, {
  name: 'InvalidTagName',
  description: 'The name breaks git check-ref-format, reads as a hash, HEAD, main or a full ref name, or clashes with a tag folder.',
  fields: (t) => ({ name: t.exposeString('tag'), reason: t.exposeString('reason') }),
});

errorType(TagExistsError, {
  name: 'TagExists',
  description: 'A tag of that name exists: tags are never moved (delete it first, unless it is protected).',
  fields: (t) => ({
    name: t.exposeString('tag'),
    currentHash: t.exposeString('target', { description: 'What the tag ref points at now (a tag object, or a commit).' }),
  }),
});

errorType(ProtectedTagError, {
  name: 'ProtectedTag',
  description: "The tag matches the namespace policy's protectedTags: it can be neither moved nor deleted.",
  fields: (t) => ({ name: t.exposeString('tag'), pattern: t.exposeString('pattern') }),
});

errorType(SecretError, {
  name: 'SecretError',
  description:
    'A value the namespace policy marks secret could not be written or read: no secrets key on the server (SECRETS_KEY_MISSING), a value that does not decrypt with it (SECRET_UNREADABLE), or the redaction marker where no secret is stored (SECRET_REDACTED_UNKNOWN). Nothing was changed.',
  fields: (t) => ({ path: t.exposeString('path'), pointer: t.exposeString('pointer') }),
});

/** Error sets per kind of field, so each union lists exactly what can happen there. */
export const READ_ERRORS = [NotFoundError, ForbiddenError, InvalidNamespaceError, InvalidPathError, InvalidRefError, InvalidInputError, TooExpensiveError];
export const WRITE_ERRORS = [
  ...READ_ERRORS,
  InvalidDocumentError,
  VersionConflictError,
  StorageError,
  SchemaViolationError,
  OverlayConflictError,
  ApprovalRequiredError,
  IdempotencyKeyReusedError,
  SecretError,
];
export const PROPOSE_ERRORS = [...READ_ERRORS, InvalidDocumentError, VersionConflictError, StorageError, SecretError];
export const REVIEW_ERRORS = [...READ_ERRORS, StorageError, ProposalClosedError, ReviewNotAllowedError];
export const MERGE_ERRORS = [...WRITE_ERRORS, ProposalRejectedError, ProposalConflictError, ProposalClosedError];
export const WEBHOOK_ERRORS = [...READ_ERRORS, InvalidWebhookUrlError, StorageError];
/** Reads of effective documents add an overlay that no longer applies (one committed outside Cairn). */
export const OVERLAY_READ_ERRORS = [...READ_ERRORS, OverlayConflictError];
export const TAG_ERRORS = [...READ_ERRORS, InvalidTagNameError, TagExistsError, ProtectedTagError, InvalidDocumentError, StorageError];
