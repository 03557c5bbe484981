import dns, { type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { InvalidWebhookUrlError } from '../../domain/errors.js';
import { parseIp } from '../../domain/ip-address.js';
import { type CheckedWebhookUrl, type WebhookAllowList, addressRefusal, checkWebhookUrl } from '../../domain/webhook-url.js';

/** A connection the guard refused: the name resolved to an address a webhook must not reach. */
export class AddressRefusedError extends Error {
  readonly code = 'ECAIRNREFUSED';
}

/** How long a creation-time DNS check may take before the URL is accepted and left to the delivery-time check. */
const CREATION_LOOKUP_MS = 3000;

/**
 * The SSRF guard. URLs are checked when a webhook is saved (with DNS, for an early clear error) and again on
 * every attempt: node:http connects through `lookupFor`, which resolves the name and refuses the connection if
 * ANY address is not allowed, so a name that rebinds to an internal address between checks gets nowhere.
 * Literal addresses never reach a lookup, so `check` refuses them first.
 */
export class SsrfGuard {
  constructor(readonly allow: WebhookAllowList) {}

  check(url: string): CheckedWebhookUrl {
    return checkWebhookUrl(url, this.allow);
  }

  /** For saving a webhook: the static checks, then the resolved addresses. A name that does not resolve yet is accepted. */
  async checkResolving(url: string): Promise<CheckedWebhookUrl> {
    const checked = this.check(url);
    if (checked.literal || checked.hostAllowed) return checked;
    const addresses = await Promise.race([
      dns.promises.lookup(checked.host, { all: true }).catch(() => []),
      new Promise<LookupAddress[]>((resolve) => setTimeout(() => resolve([]), CREATION_LOOKUP_MS).unref()),
    ]);
    const refusal = this.refusal(checked.host, addresses);
    if (refusal) throw new InvalidWebhookUrlError(url, refusal);
    return checked;
  }

  /** A `lookup` for node:http/https that checks every resolved address before the socket connects. */
  lookupFor(checked: CheckedWebhookUrl): LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints ?? 0 }, (error, addresses) => {
        if (error) return callback(error, '');
        const refusal = checked.hostAllowed ? null : this.refusal(hostname, addresses);
        if (refusal) return callback(new AddressRefusedError(`refused: ${refusal}`), '');
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      });
    };
  }

  private refusal(host: string, addresses: readonly LookupAddress[]): string | null {
    for (const { address } of addresses) {
      const parsed = parseIp(address);
      const reason = parsed ? addressRefusal(parsed, this.allow) : `${address} is not an address`;
      if (reason) return `${host} resolves to ${reason}`;
    }
    return null;
  }
}
