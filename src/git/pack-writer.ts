import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { EncodedObject, ObjectType } from './object-format.js';

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/**
 * A version 2 packfile holding `objects` whole (no deltas). A commit's new objects are a handful of small files:
 * delta compression would save little and cost a read of their bases.
 */
export function encodePack(objects: readonly EncodedObject[]): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  for (const object of objects) {
    parts.push(entryHeader(PACK_TYPE[object.type], object.content.byteLength), deflateSync(object.content, { level: 1 }));
  }
  const body = Buffer.concat(parts);
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
