import { formatIp, parseIp, unmapped } from '../domain/ip-address.js';

/**
 * The address a client's connections are counted under: the TCP peer's address as the socket sees it.
 * X-Forwarded-For is not trusted (any client can send it): behind a reverse proxy every client is the proxy, so the
 * per-address cap is then a cap on the proxy (raise it, or set it to 0 and limit at the proxy).
 *
 * IPv4, and IPv4-mapped IPv6 (a dual-stack listener's view of an IPv4 client), count per address. IPv6 counts per
 * /64: one host is commonly given a whole /64 and picks its addresses in it freely, so per address it would have
 * no cap at all.
 */
export function clientAddressKey(remoteAddress: string | undefined): string {
  const parsed = remoteAddress === undefined ? null : parseIp(remoteAddress);
  if (!parsed) return remoteAddress ?? 'unknown';
  const address = unmapped(parsed);
  if (address.family === 4) return formatIp(address);
  const network = new Uint8Array(16);
  network.set(address.bytes.subarray(0, 8));
  return `${formatIp({ family: 6, bytes: network })}/64`;
}
