/**
 * Git's all-zero object name, which hooks and reflogs use for "no commit yet". As a change feed `since`, it names
 * the point before a namespace's first commit: a subscriber that started on an empty namespace can resume from
 * there, where "no since" would mean "live from now" and lose whatever was committed while it was away.
 */
export const NULL_VERSION = '0'.repeat(40);

/** The all-zero name in SHA-1 (40) or SHA-256 (64) length. */
export function isNullVersion(version: string): boolean {
  return /^(?:0{40}|0{64})$/.test(version);
}
