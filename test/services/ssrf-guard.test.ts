import dns from 'node:dns';
import http from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidWebhookUrlError } from '../../src/domain/errors.js';
import { parseIp, specialPurpose } from '../../src/domain/ip-address.js';
import { EMPTY_ALLOW_LIST, parseAllowList } from '../../src/domain/webhook-url.js';
import { SsrfGuard } from '../../src/services/webhooks/ssrf-guard.js';

/**
 * The guard's DNS path with the real resolver: `localhost` resolves through /etc/hosts to loopback. The static
 * check refuses that name first, so these tests hand the lookup a checked URL directly, as a name that only
 * resolves to loopback later (DNS rebinding) would reach it.
 */
describe('SSRF guard after DNS resolution', () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const lookup = (guard: SsrfGuard, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) => {
      const checked = { ...guard.check('http://example.com/'), host: 'localhost' };
      guard.lookupFor(checked)('localhost', { all }, (error, address) => resolve({ error, address }));
    });

  it('refuses a name that resolves to a loopback address, for single and all-address lookups', async () => {
    const guard = new SsrfGuard(EMPTY_ALLOW_LIST);
    for (const all of [false, true]) {
      const { error } = await lookup(guard, all);
      expect(error?.message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1) is a loopback address$/);
    }
  });

  it('node:http never connects when the lookup refuses, and does when the allow-list covers every address', async () => {
    const request = (guard: SsrfGuard) =>
      new Promise<string>((resolve) => {
        const checked = { ...guard.check('http://example.com/'), host: 'localhost' };
        const req = http.request(`http://localhost:${port}/`, { method: 'POST', agent: false, lookup: guard.lookupFor(checked) }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        });
        req.on('error', (error) => resolve(error.message));
        req.end();
      });
    const before = hits;
    expect(await request(new SsrfGuard(EMPTY_ALLOW_LIST))).toMatch(/^refused: localhost resolves to/);
    expect(hits).toBe(before);
    expect(await request(new SsrfGuard(parseAllowList(['127.0.0.0/8', '::1'])))).toBe('200');
    expect(hits).toBe(before + 1);
  });

  it("refuses at creation time a name that resolves to an internal address (this machine's own name), accepts one that does not resolve", async () => {
    const guard = new SsrfGuard(EMPTY_ALLOW_LIST);
    const name = hostname().toLowerCase();
    // A machine's own name resolves to loopback (/etc/hosts) or its private address (containers); either is refused.
    const addresses = await dns.promises.lookup(name, { all: true });
    expect(
      addresses.some((a) => specialPurpose(parseIp(a.address)!) !== null),
      `${name} → ${JSON.stringify(addresses)}`,
    ).toBe(true);
    await expect(guard.checkResolving(`http://${name}:8080/`)).rejects.toThrow(new RegExp(`^webhook URL refused: ${name} resolves to `));
    await expect(guard.checkResolving(`http://${name}:8080/`)).rejects.toBeInstanceOf(InvalidWebhookUrlError);
    expect(new SsrfGuard(parseAllowList([name])).check(`http://${name}/`).hostAllowed).toBe(true);
    await expect(guard.checkResolving('http://no-such-host.invalid/')).resolves.toMatchObject({ host: 'no-such-host.invalid' });
  });
});
