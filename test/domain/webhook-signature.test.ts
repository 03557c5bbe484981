import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatSecret, secretKey, signWebhook, signatureHeader } from '../../src/domain/webhook-signature.js';

describe('Standard Webhooks signatures', () => {
  it("matches the specification's reference vector", () => {
    // From the Standard Webhooks reference libraries' tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('agrees with an HMAC computed here from the spec, over id.timestamp.body', () => {
    const key = Buffer.alloc(32, 7);
    const secret = formatSecret(key);
    expect(secret).toBe(`whsec_${key.toString('base64')}`);
    const body = '{"type":"config.changed","data":{"é":"ü"}}';
    const expected = createHmac('sha256', key).update(`payments:abc.1700000000.${body}`).digest('base64');
    expect(signWebhook(secret, 'payments:abc', 1700000000, body)).toBe(`v1,${expected}`);
    expect(signWebhook(secret, 'payments:abc', 1700000001, body)).not.toBe(`v1,${expected}`);
  });

  it('signs with every secret during a rotation, space-separated', () => {
    const a = formatSecret(Buffer.alloc(24, 1));
    const b = formatSecret(Buffer.alloc(24, 2));
    const header = signatureHeader([a, b], 'id', 1, 'x');
    expect(header.split(' ')).toEqual([signWebhook(a, 'id', 1, 'x'), signWebhook(b, 'id', 1, 'x')]);
  });

  it('refuses secrets without the prefix or with too few bytes', () => {
    expect(() => secretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow(/whsec_/);
    expect(() => secretKey('whsec_c2hvcnQ=')).toThrow(/24 bytes/);
  });
});
