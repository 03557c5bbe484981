import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import WebSocket from 'ws';

/** How a WebSocket ended: its close code and reason. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A graphql-transport-ws socket opened with `ws`, nothing sent yet. */
export interface OpenSocket {
  readonly socket: WebSocket;
  readonly closed: Promise<Closed>;
}

/** An upgrade the server answered with HTTP instead of switching protocols. */
export interface RefusedUpgrade {
  readonly status: number;
  readonly body: string;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace('http', 'ws')}/graphql`;
}

/** Opens a socket (no connection_init): the open socket, or the HTTP answer that refused the upgrade. */
export function openSocket(httpUrl: string): Promise<OpenSocket | RefusedUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(httpUrl), 'graphql-transport-ws');
    const closed = new Promise<Closed>((done) => socket.on('close', (code, reason) => done({ code, reason: reason.toString() })));
    socket.on('open', () => resolve({ socket, closed }));
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('error', reject);
  });
}

export function isRefused(result: OpenSocket | RefusedUpgrade): result is RefusedUpgrade {
  return 'status' in result;
}

/** Opens a socket and completes connection_init with `token`: resolves once acknowledged. */
export async function openAcknowledged(httpUrl: string, token: string): Promise<OpenSocket> {
  const opened = await openSocket(httpUrl);
  if (isRefused(opened)) throw new Error(`upgrade refused: ${opened.status} ${opened.body}`);
  const acked = new Promise<void>((resolve, reject) => {
    opened.socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve();
    });
    void opened.closed.then((c) => reject(new Error(`closed before connection_ack: ${c.code} ${c.reason}`)));
  });
  opened.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acked;
  return opened;
}

/** What a streaming client managed to send before the server closed on it. */
export interface StreamResult {
  readonly closeCode: number | null;
  readonly bytesSent: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/**
 * One text frame announcing `declaredBytes`, written by hand on a TCP socket (the `ws` client would build the whole
 * frame in memory first), its payload streamed in 64 KiB chunks until the server sends a close frame or `sendBytes`
 * went out. Nothing is ever buffered on this side.
 */
export async function streamOneFrame(httpUrl: string, declaredBytes: number, sendBytes: number): Promise<StreamResult> {
  const { hostname, port } = new URL(httpUrl);
  const socket = net.connect(Number(port), hostname);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
  );
  const closeCode = watchCloseFrame(socket);
  await closeCode.switched;
  const header = Buffer.alloc(14);
  header[0] = 0x81; // FIN, text
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(declaredBytes), 2);
  header.writeUInt32BE(0, 10); // mask key 0: the payload goes out as it is
  socket.write(header);
  let bytesSent = 0;
  // ws half-closes the connection right after its close frame: a write may never drain.
  const ended = new Promise((resolve) => socket.once('close', resolve));
  while (bytesSent < sendBytes && closeCode.value === null && socket.writable) {
    if (!socket.write(CHUNK)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), ended]);
    bytesSent += CHUNK.length;
    await nextTurn();
  }
  socket.destroy();
  return { closeCode: closeCode.value, bytesSent };
}

/** The same attack as fragments of 64 KiB through the `ws` client (`fin: false`), which sends each as it comes. */
export async function streamFragments(httpUrl: string, sendBytes: number): Promise<StreamResult> {
  const opened = await openSocket(httpUrl);
  if (isRefused(opened)) throw new Error(`upgrade refused: ${opened.status}`);
  let closeCode: number | null = null;
  void opened.closed.then((c) => (closeCode = c.code));
  opened.socket.on('error', () => undefined);
  let bytesSent = 0;
  while (bytesSent < sendBytes && closeCode === null && opened.socket.readyState === WebSocket.OPEN) {
    await new Promise<void>((resolve) => opened.socket.send(CHUNK, { fin: false, binary: false }, () => resolve()));
    bytesSent += CHUNK.length;
    await nextTurn();
  }
  await Promise.race([opened.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  opened.socket.terminate();
  return { closeCode, bytesSent };
}

/** Reads the upgrade answer, then the first frame the server sends: a close frame, whose code it records. */
function watchCloseFrame(socket: net.Socket): { switched: Promise<void>; value: number | null } {
  const state: { switched: Promise<void>; value: number | null } = { switched: Promise.resolve(), value: null };
  let received = Buffer.alloc(0);
  let headersEnd = -1;
  state.switched = new Promise((resolve, reject) => {
    socket.on('error', () => undefined);
    socket.on('close', () => reject(new Error('closed before the upgrade')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (headersEnd < 0) {
        headersEnd = received.indexOf('\r\n\r\n');
        if (headersEnd < 0) return;
        if (!received.subarray(0, 12).toString().includes('101')) reject(new Error(received.toString()));
        resolve();
      }
      const frame = received.subarray(headersEnd + 4);
      if (state.value === null && frame.length >= 4 && (frame[0]! & 0x0f) === 0x8) state.value = frame.readUInt16BE(2);
    });
  });
  return state;
}
