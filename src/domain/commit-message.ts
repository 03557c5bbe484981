import { InvalidInputError } from './errors.js';

export type CommitAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'rollback'
  | 'revert'
  | 'propose'
  | 'approve'
  | 'reject'
  | 'comment'
  | 'merge'
  | 'import'
  | 'release'
  | 'rollout'
  | 'capture'
  | 'tag'
  | 'untag'
  | 'webhook';

export interface CommitTrailers {
  action: CommitAction;
  operatorIp: string | null;
  requestId: string | null;
  rollbackTo: string | null;
  reverts: string | null;
  /** The write went ahead despite checks it would otherwise have failed (`force: true`). */
  forced?: boolean;
  /** The change request a propose, approve, reject or merge commit belongs to. */
  proposal?: string | null;
  /** Merge only: the reviewers whose approvals let it through, comma-separated. */
  approvedBy?: string | null;
  /** A rollback of paths under an approval rule, made by an admin without approval ("true"). */
  emergency?: string | null;
  /** Import only: the operator who imported a commit authored elsewhere ("Name <email>"); the author stays the original. */
  importedBy?: string | null;
  /**
   * With a request id: the fingerprint of the request that made the commit (operator, operation and payload, see
   * request-fingerprint.ts), so the same key sent with a different request is refused instead of replayed.
   */
  requestFingerprint?: string | null;
  /** Release only: the environment whose branch the commit is on. */
  environment?: string | null;
  /** Release only: the version of main released (also the commit's second parent). */
  releaseOf?: string | null;
  /** A release's progressive rollout strategy (rollout-strategy.ts's format). */
  rollout?: string | null;
  /** Rollout transitions: the step the rollout is at (0-based) and whether it runs, waits or is complete. */
  rolloutStep?: string | null;
  rolloutState?: string | null;
  /** An automatic rollback: the instances whose failures set it off, comma-separated. */
  rolloutFailed?: string | null;
  /**
   * A revert whose conflicts the operator settled: the values chosen by hand, `path#pointer` each percent-encoded,
   * comma-separated, so the audit tells them from what the revert itself restored.
   */
  resolved?: string | null;
  /** Capture only: the etcd key edited outside Cairn, and the etcd revision of the edit captured. */
  etcdKey?: string | null;
  etcdRevision?: string | null;
}

const ACTIONS: readonly CommitAction[] = [
  'create',
  'update',
  'delete',
  'rollback',
  'revert',
  'propose',
  'approve',
  'reject',
  'comment',
  'merge',
  'import',
  'release',
  'rollout',
  'capture',
  'tag',
  'untag',
  'webhook',
];
const MAX_COMMENT_LENGTH = 4000;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Trailer keys in the order they are written. */
const TRAILER_KEYS = {
  action: 'Cairn-Action',
  operatorIp: 'Cairn-Operator-IP',
  requestId: 'Cairn-Request-Id',
  rollbackTo: 'Cairn-Rollback-To',
  reverts: 'Cairn-Reverts',
  resolved: 'Cairn-Resolved',
  proposal: 'Cairn-Proposal',
  approvedBy: 'Cairn-Approved-By',
  emergency: 'Cairn-Emergency',
  importedBy: 'Cairn-Imported-By',
  environment: 'Cairn-Environment',
  releaseOf: 'Cairn-Release-Of',
  rollout: 'Cairn-Rollout',
  rolloutStep: 'Cairn-Rollout-Step',
  rolloutState: 'Cairn-Rollout-State',
  rolloutFailed: 'Cairn-Rollout-Failed',
  etcdKey: 'Cairn-Etcd-Key',
  etcdRevision: 'Cairn-Etcd-Revision',
  requestFingerprint: 'Cairn-Request-Fingerprint',
} as const satisfies Record<Exclude<keyof CommitTrailers, 'forced'>, string>;
const FORCED_KEY = 'Cairn-Forced';

// Control characters other than newline and tab have no place in a message people read.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNWANTED_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const LONE_SURROGATE = /\p{Cs}/gu;
// `git interpret-trailers` stops reading at a line starting with "---" (where a patch would begin)
// and at a scissors line; either would let a comment hide our trailers and present its own.
const PATCH_DIVIDER = /^(?=---(?:\s|$))/gm;
const SCISSORS = /^(?=\S ------------------------ >8 ------------------------$)/gm;
const BLANK = /^\s*$/;
const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

/**
 * The comment, a blank line, then our trailers. Git reads trailers only from the final
 * paragraph, and ours always is the final paragraph, so lines in the comment that look
 * like trailers stay ordinary text.
 */
export function formatCommitMessage(comment: string, trailers: CommitTrailers): string {
  if (!ACTIONS.includes(trailers.action)) throw new InvalidInputError(`unknown commit action '${String(trailers.action)}'`);
  const body = sanitizeComment(comment) || defaultComment(trailers.action);
  return `${body}\n\n${trailerLines(trailers).join('\n')}\n`;
}

export function parseCommitMessage(message: string): { comment: string; trailers: CommitTrailers | null } {
  const lines = message.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const whole = { comment: lines.join('\n').trim(), trailers: null };
  // Like Git: the last paragraph holds the trailers, and the first paragraph never does.
  const blank = lines.findLastIndex((line) => BLANK.test(line));
  const comment = lines.slice(0, Math.max(blank, 0)).join('\n').trim();
  if (blank === -1 || comment === '') return whole;
  const trailers = parseTrailerBlock(lines.slice(blank + 1));
  return trailers === null ? whole : { comment, trailers };
}

export function validateRequestId(id: string): string {
  if (!REQUEST_ID.test(id)) {
    throw new InvalidInputError('a request id must be 1 to 128 characters of letters, digits, ".", "_", ":" and "-"');
  }
  return id;
}

function sanitizeComment(comment: string): string {
  const cleaned = comment.replace(/\r\n?/g, '\n').replace(UNWANTED_CONTROL, '').replace(LONE_SURROGATE, '\uFFFD').trim();
  return truncate(cleaned, MAX_COMMENT_LENGTH).trimEnd().replace(PATCH_DIVIDER, ' ').replace(SCISSORS, ' ');
}

/** Cuts on a code point boundary, so no half of a surrogate pair is left behind. */
function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function trailerLines(trailers: CommitTrailers): string[] {
  const lines: string[] = [];
  for (const field of Object.keys(TRAILER_KEYS) as (keyof typeof TRAILER_KEYS)[]) {
    const value = trailers[field];
    if (value === null || value === undefined || value.trim() === '') continue;
    lines.push(`${TRAILER_KEYS[field]}: ${trailerValue(field, value)}`);
  }
  if (trailers.forced) lines.push(`${FORCED_KEY}: true`);
  return lines;
}

function trailerValue(field: keyof typeof TRAILER_KEYS, value: string): string {
  const trimmed = value.trim();
  // A newline would start a new trailer (or end the block), which is exactly how trailers get forged.
  if (/\p{Cc}/u.test(trimmed)) throw new InvalidInputError(`the ${TRAILER_KEYS[field]} trailer must be a single line`);
  return field === 'requestId' ? validateRequestId(trimmed) : trimmed;
}

function parseTrailerBlock(block: readonly string[]): CommitTrailers | null {
  const fields = new Map<string, string>();
  for (const line of block) {
    const match = TRAILER_LINE.exec(line);
    if (match === null) return null;
    const key = (match[1] ?? '').toLowerCase();
    if (!fields.has(key)) fields.set(key, (match[2] ?? '').trim());
  }
  const action = fields.get(TRAILER_KEYS.action.toLowerCase());
  if (!isCommitAction(action)) return null;
  const field = (name: keyof typeof TRAILER_KEYS): string | null => fields.get(TRAILER_KEYS[name].toLowerCase()) || null;
  return {
    action,
    operatorIp: field('operatorIp'),
    requestId: field('requestId'),
    rollbackTo: field('rollbackTo'),
    reverts: field('reverts'),
    ...(fields.get(FORCED_KEY.toLowerCase()) === 'true' ? { forced: true } : {}),
    // The change-request trailers appear only on commits that carry them, so older commits parse as before.
    ...optionalField('proposal', field('proposal')),
    ...optionalField('resolved', field('resolved')),
    ...optionalField('approvedBy', field('approvedBy')),
    ...optionalField('emergency', field('emergency')),
    ...optionalField('importedBy', field('importedBy')),
    ...optionalField('requestFingerprint', field('requestFingerprint')),
    ...optionalField('environment', field('environment')),
    ...optionalField('releaseOf', field('releaseOf')),
    ...optionalField('rollout', field('rollout')),
    ...optionalField('rolloutStep', field('rolloutStep')),
    ...optionalField('rolloutState', field('rolloutState')),
    ...optionalField('rolloutFailed', field('rolloutFailed')),
    ...optionalField('etcdKey', field('etcdKey')),
    ...optionalField('etcdRevision', field('etcdRevision')),
  };
}

function optionalField(
  name: Exclude<keyof CommitTrailers, 'action' | 'operatorIp' | 'requestId' | 'rollbackTo' | 'reverts' | 'forced'>,
  value: string | null,
): Partial<CommitTrailers> {
  return value === null ? {} : { [name]: value };
}

/** Whether `value` names a commit action (`update`, `rollback`, …). */
export function isCommitAction(value: string | undefined): value is CommitAction {
  return ACTIONS.some((action) => action === value);
}

/** The message of a commit made without a comment. */
export function defaultComment(action: CommitAction): string {
  return `${action} via Cairn`;
}
