/**
 * IP addresses as bytes, CIDR ranges, and the special-purpose ranges a webhook must never reach (loopback,
 * private, link-local, cloud metadata...). Pure: parsing is strict (dotted quads and RFC 4291 text); the lenient
 * IPv4 forms (`2130706433`, `0x7f.1`, `0177.0.0.1`) are normalized by the WHATWG URL parser before they get here.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

export interface Cidr {
  readonly address: IpAddress;
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

export function parseIp(text: string): IpAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseIpv4(bare) ?? parseIpv6(bare);
}

function parseIpv4(text: string): IpAddress | null {
  const match = IPV4.exec(text);
  if (!match) return null;
  const parts = match.slice(1).map(Number);
  // A leading zero means octal to inet_aton but decimal to others: ambiguous, so refused.
  const ambiguous = (i: number): boolean => (match[i + 1]?.length ?? 0) > 1 && (match[i + 1]?.startsWith('0') ?? false);
  if (parts.some((p, i) => p > 255 || ambiguous(i))) return null;
  return { family: 4, bytes: Uint8Array.from(parts) };
}

function parseIpv6(text: string): IpAddress | null {
  // Zone ids (fe80::1%eth0) name an interface of this host: never a webhook target, so not parsed.
  if (!text.includes(':') || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return { family: 6, bytes };
}

/** Hex groups of one side of `::`; a trailing dotted quad counts as two groups. */
function groupsOf(side: string): number[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] ?? '';
    const v4 = i === parts.length - 1 ? parseIpv4(part) : null;
    if (v4) {
      groups.push(((v4.bytes[0] ?? 0) << 8) | (v4.bytes[1] ?? 0), ((v4.bytes[2] ?? 0) << 8) | (v4.bytes[3] ?? 0));
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

/** Dotted quad, or RFC 5952 text (the longest run of two or more zero groups as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) return [...address.bytes].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((address.bytes[i * 2] ?? 0) << 8) | (address.bytes[i * 2 + 1] ?? 0));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i += 1) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
  if (best.start < 0) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.lastIndexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.family === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (slash >= 0 && !/^\d+$/.test(text.slice(slash + 1)))) return null;
  return { address, prefix };
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) compares as the IPv4 address it carries: sockets reach that address. */
export function unmapped(address: IpAddress): IpAddress {
  if (address.family === 6 && startsWith(address.bytes, MAPPED_PREFIX, 96)) return { family: 4, bytes: address.bytes.slice(12) };
  return address;
}

export function cidrContains(cidr: Cidr, candidate: IpAddress): boolean {
  const range = unmapped(cidr.address);
  const address = unmapped(candidate);
  if (range.family !== address.family) return false;
  const prefix = range === cidr.address ? cidr.prefix : Math.max(0, cidr.prefix - 96);
  return startsWith(address.bytes, range.bytes, prefix);
}

function startsWith(bytes: Uint8Array, prefixBytes: Uint8Array, bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const remaining = Math.min(8, bits - bit);
    const mask = (0xff << (8 - remaining)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((prefixBytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const MAPPED_PREFIX = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

interface SpecialRange {
  readonly cidr: Cidr;
  readonly kind: string;
}

function range(text: string, kind: string): SpecialRange {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`bad built-in range ${text}`);
  return { cidr, kind };
}

/**
 * Ranges that are not the public internet (IANA special-purpose registries, RFC 6890 and successors), plus the
 * metadata services of the big clouds. The first match names the reason, so the specific entries come first.
 */
const SPECIAL_RANGES: readonly SpecialRange[] = [
  range('169.254.169.254/32', 'cloud metadata'),
  range('169.254.170.2/32', 'cloud metadata'),
  range('168.63.129.16/32', 'cloud metadata'),
  range('100.100.100.200/32', 'cloud metadata'),
  range('192.0.0.192/32', 'cloud metadata'),
  range('fd00:ec2::254/128', 'cloud metadata'),
  range('0.0.0.0/8', 'unspecified ("this network")'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared (carrier-grade NAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignment'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved (6to4 relay)'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'private (local NAT64)'),
  range('::/8', 'reserved (IPv4-compatible and other embedded forms)'),
  range('100::/64', 'discard-only'),
  range('2001::/23', 'IETF protocol assignment'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('fc00::/7', 'private (unique local)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'private (site-local)'),
  range('ff00::/8', 'multicast'),
];

/**
 * Why `address` is not a public unicast address, as a phrase ("127.0.0.1 is a loopback address"), or null when
 * it is. IPv4-mapped addresses are judged as the IPv4 address they are; addresses that carry an IPv4 address
 * (NAT64, 6to4) are also judged by the address they carry.
 */
export function specialPurpose(address: IpAddress): string | null {
  const plain = unmapped(address);
  const embedded = embeddedIpv4(plain);
  const inner = embedded ? rangeKind(embedded) : null;
  if (embedded && inner) return `${formatIp(plain)} carries ${formatIp(embedded)}, ${withArticle(inner)} address`;
  // Well-known NAT64 (64:ff9b::/96, inside ::/8) reaches the public IPv4 address it carries.
  if (embedded && cidrContains(NAT64, plain)) return null;
  const kind = rangeKind(plain);
  return kind ? `${formatIp(plain)} is ${withArticle(kind)} address` : null;
}

function rangeKind(address: IpAddress): string | null {
  return SPECIAL_RANGES.find((r) => cidrContains(r.cidr, address))?.kind ?? null;
}

function withArticle(kind: string): string {
  return /^[aeiou]/i.test(kind) ? `an ${kind}` : `a ${kind}`;
}

const NAT64 = range('64:ff9b::/96', 'nat64').cidr;
const SIX_TO_FOUR = range('2002::/16', '6to4').cidr;

function embeddedIpv4(address: IpAddress): IpAddress | null {
  if (address.family !== 6) return null;
  if (cidrContains(NAT64, address)) return { family: 4, bytes: address.bytes.slice(12) };
  if (cidrContains(SIX_TO_FOUR, address)) return { family: 4, bytes: address.bytes.slice(2, 6) };
  return null;
}
