import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { crc32 } from 'node:zlib';
import { PackIndex } from './pack-index.js';
import { type PackEntry, encodeIndex } from './pack-writer.js';

const HEADER_BYTES = 12;
/** Entry types of a whole object (commit, tree, blob, tag), in bits 4–6 of an entry's first byte; 6 and 7 are deltas. */
const WHOLE_TYPES = new Set([1, 2, 3, 4]);

/**
 * One pack (with its index) holding every object of `packs`, each entry copied as it is stored: packs Cairn wrote
 * (a batch of commits each, see pack-writer.ts) hold whole objects, so nothing is inflated or deflated again, and an
 * object in two of them is kept once. What `git repack --geometric` did for them, at a fraction of its cost: no
 * process to start, no zlib, and no write lock (see GitRepository.foldBatchPacks). Null when a pack holds a delta
 * (one Cairn did not write): git folds those.
 */
export async function foldPacks(packs: readonly string[]): Promise<{ pack: Buffer; index: Buffer; name: string } | null> {
  const parts: Buffer[] = [Buffer.alloc(HEADER_BYTES)];
  const entries: PackEntry[] = [];
  const seen = new Set<string>();
  let offset = HEADER_BYTES;
  for (const packPath of packs) {
    const [bytes, index] = await Promise.all([fsp.readFile(packPath), PackIndex.load(packPath.replace(/\.pack$/, '.idx'))]);
    for (const { oid, offset: start } of index.entries()) {
      if (seen.has(oid)) continue;
      const entry = bytes.subarray(start, index.endOf(start, bytes.length));
      if (!WHOLE_TYPES.has(((entry[0] ?? 0) >> 4) & 7)) return null;
      seen.add(oid);
      entries.push({ oid, offset, crc: crc32(entry) });
      parts.push(entry);
      offset += entry.length;
    }
  }
  const header = parts[0] ?? Buffer.alloc(HEADER_BYTES);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat(parts);
  const checksum = createHash('sha1').update(body).digest();
  return { pack: Buffer.concat([body, checksum]), index: encodeIndex(entries, checksum), name: checksum.toString('hex') };
}
