import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeObject, type ObjectType } from '../../src/git/object-format.js';

/**
 * Writes an object as a loose file, bypassing every check git's own commands make: how the tests build the trees
 * `git fsck` must judge (names and modes git's porcelain would refuse to write).
 */
export function writeLoose(gitdir: string, type: ObjectType, content: Buffer): string {
  const object = encodeObject(type, content);
  const dir = path.join(gitdir, 'objects', object.oid.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, object.oid.slice(2)), object.deflated);
  return object.oid;
}
