import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { type EncodedObject, type ObjectType, deflateObject } from './object-format.js';

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const INDEX_MAGIC = 0xff744f63;

/**
 * A version 2 packfile holding `objects` whole (no deltas). A commit's new objects are a handful of small files:
 * delta compression would save little and cost a read of their bases.
 */
export function encodePack(objects: readonly EncodedObject[]): Buffer {
  return packEntries(objects).pack;
}

/**
 * A pack of `objects` (unique ids) and its version 2 index (`.idx`), ready to be stored side by side as
 * `pack-<name>.pack` / `.idx`: what a batch of commits writes in one file instead of one file per object.
 */
export function encodeIndexedPack(objects: readonly EncodedObject[]): { pack: Buffer; index: Buffer; name: string } {
  const { pack, entries } = packEntries(objects);
  const checksum = pack.subarray(pack.length - 20);
  return { pack, index: encodeIndex(entries, checksum), name: checksum.toString('hex') };
}

export interface PackEntry {
  readonly oid: string;
  readonly offset: number;
  readonly crc: number;
}

function packEntries(objects: readonly EncodedObject[]): { pack: Buffer; entries: PackEntry[] } {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  const entries: PackEntry[] = [];
  let offset = header.length;
  for (const object of objects) {
    const entry = Buffer.concat([entryHeader(PACK_TYPE[object.type], object.content.byteLength), deflateObject(object.content)]);
    entries.push({ oid: object.oid, offset, crc: crc32(entry) });
    parts.push(entry);
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  return { pack: Buffer.concat([body, createHash('sha1').update(body).digest()]), entries };
}

/** Fan-out table, sorted ids, CRC32s, offsets (large ones in a second table), the pack's checksum, its own. */
export function encodeIndex(unsorted: readonly PackEntry[], packChecksum: Buffer): Buffer {
  const entries = [...unsorted].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const header = Buffer.alloc(8 + 256 * 4);
  header.writeUInt32BE(INDEX_MAGIC, 0);
  header.writeUInt32BE(2, 4);
  const counts = new Uint32Array(256);
  for (const entry of entries) {
    const first = parseInt(entry.oid.slice(0, 2), 16);
    counts[first] = (counts[first] ?? 0) + 1;
  }
  let running = 0;
  counts.forEach((count, i) => {
    running += count;
    header.writeUInt32BE(running, 8 + i * 4);
  });
  const ids = Buffer.concat(entries.map((e) => Buffer.from(e.oid, 'hex')));
  const crcs = Buffer.alloc(entries.length * 4);
  const offsets = Buffer.alloc(entries.length * 4);
  const large: Buffer[] = [];
  entries.forEach((entry, i) => {
    crcs.writeUInt32BE(entry.crc, i * 4);
    if (entry.offset < 0x80000000) {
      offsets.writeUInt32BE(entry.offset, i * 4);
      return;
    }
    offsets.writeUInt32BE((0x80000000 | large.length) >>> 0, i * 4);
    const wide = Buffer.alloc(8);
    wide.writeBigUInt64BE(BigInt(entry.offset));
    large.push(wide);
  });
  const body = Buffer.concat([header, ids, crcs, offsets, ...large, packChecksum]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** Type and size: 3 bits of type and 4 bits of size in the first byte, then 7 bits per byte, low bits first. */
function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
