import { InvalidWebhookUrlError } from './errors.js';
import { type Cidr, type IpAddress, cidrContains, parseCidr, parseIp, specialPurpose } from './ip-address.js';

/**
 * The SSRF guard's rules, without I/O: which URLs a webhook may have and which addresses it may connect to.
 * By default only public unicast addresses; `CAIRN_WEBHOOK_ALLOW` lists ranges and host names allowed anyway.
 */
export interface WebhookAllowList {
  readonly ranges: readonly Cidr[];
  /** Host names allowed whatever they resolve to (internal hooks with a name the operator trusts). */
  readonly hosts: ReadonlySet<string>;
}

export const EMPTY_ALLOW_LIST: WebhookAllowList = { ranges: [], hosts: new Set() };

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const MAX_URL_LENGTH = 2048;

/** Names that reach this host or a cloud metadata service however DNS is set up. */
const BLOCKED_NAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);

/** Entries are CIDRs (`10.0.0.0/8`), addresses (`127.0.0.1`, `::1`) or host names (`hooks.internal`). */
export function parseAllowList(entries: readonly string[]): WebhookAllowList {
  const ranges: Cidr[] = [];
  const hosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const cidr = parseCidr(entry);
    if (cidr) ranges.push(cidr);
    else if (HOST_NAME.test(normalizeHost(entry))) hosts.add(normalizeHost(entry));
    else throw new Error(`not a CIDR, address or host name: '${entry}'`);
  }
  return { ranges, hosts };
}

/** Lower case, no brackets around IPv6, no trailing dot (`localhost.` is `localhost`). */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

/** Why connecting to `address` is refused, or null when it is allowed. */
export function addressRefusal(address: IpAddress, allow: WebhookAllowList): string | null {
  if (allow.ranges.some((r) => cidrContains(r, address))) return null;
  return specialPurpose(address);
}

export interface CheckedWebhookUrl {
  readonly url: URL;
  /** The host as the connection will use it, normalized. */
  readonly host: string;
  /** The address, when the URL names one rather than a host name. */
  readonly literal: IpAddress | null;
  /** The host name is on the allow-list: whatever it resolves to is allowed. */
  readonly hostAllowed: boolean;
}

/**
 * Everything that can be checked without DNS: http(s) only, no credentials, no fragment, and a literal address
 * or a well-known local name is refused here. Host names are checked again after every resolution.
 */
export function checkWebhookUrl(text: string, allow: WebhookAllowList): CheckedWebhookUrl {
  const refuse = (reason: string): never => {
    throw new InvalidWebhookUrlError(text, reason);
  };
  if (text.length > MAX_URL_LENGTH) refuse(`the URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(`only http and https are allowed, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) refuse('credentials in the URL are not allowed');
  if (url.hash) refuse('a fragment has no meaning in a webhook URL');
  const host = normalizeHost(url.hostname);
  if (!host) refuse('the URL has no host');
  const literal = parseIp(host);
  const hostAllowed = literal === null && allow.hosts.has(host);
  if (literal) {
    const refusal = addressRefusal(literal, allow);
    if (refusal) refuse(refusal);
  } else if (!hostAllowed) {
    if (!HOST_NAME.test(host)) refuse(`'${host}' is not a valid host name`);
    if (BLOCKED_NAMES.has(host) || host.endsWith('.localhost')) refuse(`'${host}' names this host or a metadata service`);
  }
  return { url, host, literal, hostAllowed };
}
