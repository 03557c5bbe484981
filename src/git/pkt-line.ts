/** Git's pkt-line framing: four hex digits of length (including themselves), then the data; "0000" flushes. */
export const FLUSH = Buffer.from('0000');

export function pktLine(data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/** The data of each pkt-line in `buffer`; flushes and protocol v2's delimiters (0001, 0002) are dropped. */
export function readPktLines(buffer: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const hex = buffer.toString('latin1', offset, offset + 4);
    if (!/^[0-9a-f]{4}$/.test(hex)) throw new Error('malformed pkt-line');
    const length = Number.parseInt(hex, 16);
    if (length <= 2) {
      offset += 4;
      continue;
    }
    if (length < 4 || offset + length > buffer.length) throw new Error('truncated pkt-line');
    lines.push(buffer.subarray(offset + 4, offset + length));
    offset += length;
  }
  return lines;
}
