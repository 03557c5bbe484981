/** Git's pkt-line framing: four hex digits of length (including themselves), then the data; "0000" flushes. */
export const FLUSH = Buffer.from('0000');

export function pktLine(data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/** The data of each pkt-line in `buffer`, flushes dropped. */
export function readPktLines(buffer: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const length = Number.parseInt(buffer.subarray(offset, offset + 4).toString('latin1'), 16);
    if (!Number.isInteger(length)) throw new Error('malformed pkt-line');
    if (length === 0) {
      offset += 4;
      continue;
    }
    if (length < 4 || offset + length > buffer.length) throw new Error('truncated pkt-line');
    lines.push(buffer.subarray(offset + 4, offset + length));
    offset += length;
  }
  return lines;
}
