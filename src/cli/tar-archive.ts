const BLOCK = 512;
/** What a ustar header's name field holds; longer paths go in its prefix field, or in a PAX header. */
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;

export interface TarFile {
  readonly path: string;
  readonly content: Uint8Array;
}

/**
 * A POSIX (ustar) tarball of regular files, built in memory: every file mode 0644, owner 0/0 without names, and
 * one modification time, so the same files give the same bytes on every machine. Paths that ustar cannot hold
 * (longer than its fields, or not ASCII) get a PAX extended header first, as GNU and BSD tar read them.
 */
export function tarArchive(files: readonly TarFile[], mtime: Date): Buffer {
  const seconds = Math.max(0, Math.floor(mtime.getTime() / 1000));
  const parts: Buffer[] = [];
  for (const file of files) {
    const split = ustarPath(file.path);
    if (split === null) {
      const record = paxRecord('path', file.path);
      parts.push(header({ name: paxName(file.path), prefix: '', size: record.length, mtime: seconds, type: 'x' }), padded(record));
    }
    const { name, prefix } = split ?? { name: paxName(file.path), prefix: '' };
    parts.push(header({ name, prefix, size: file.content.byteLength, mtime: seconds, type: '0' }), padded(file.content));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The path as ustar's name and prefix fields, or null when they cannot hold it. */
function ustarPath(path: string): { name: string; prefix: string } | null {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x20-\x7e]*$/.test(path)) return null;
  if (path.length <= NAME_BYTES) return { name: path, prefix: '' };
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    if (slash <= PREFIX_BYTES && path.length - slash - 1 <= NAME_BYTES) return { prefix: path.slice(0, slash), name: path.slice(slash + 1) };
  }
  return null;
}

/** The ustar name of a file whose real path is in its PAX header: readers that skip PAX still get a file. */
function paxName(path: string): string {
  const ascii = path.replace(/[^\x20-\x7e]/g, '_');
  return ascii.slice(-NAME_BYTES);
}

/** `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes;
  while (length !== bodyBytes + String(length).length) length = bodyBytes + String(length).length;
  return Buffer.from(`${length}${body}`);
}

function header(entry: { name: string; prefix: string; size: number; mtime: number; type: '0' | 'x' }): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(entry.name, 0, NAME_BYTES, 'utf8');
  octal(block, 100, 8, 0o644);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, entry.size);
  octal(block, 136, 12, entry.mtime);
  block.fill(0x20, 148, 156);
  block.write(entry.type, 156, 1, 'latin1');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(entry.prefix, 345, PREFIX_BYTES, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += block[i]!;
  octal(block, 148, 7, sum);
  return block;
}

/** A zero-padded octal number filling `width - 1` bytes, then NUL. */
function octal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

function padded(content: Uint8Array): Buffer {
  const rest = content.byteLength % BLOCK;
  const data = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}
