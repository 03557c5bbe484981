import { describe, expect, it } from 'vitest';
import { clientAddressKey } from '../../src/server/client-address.js';

describe('clientAddressKey: what a per-address WebSocket cap counts under', () => {
  it('counts IPv4 per address, and an IPv4-mapped IPv6 address as the IPv4 address it is', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(clientAddressKey('127.0.0.1')).not.toBe(clientAddressKey('127.0.0.2'));
  });

  it('counts IPv6 per /64: one host picks any address in its /64', () => {
    expect(clientAddressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientAddressKey('::1')).toBe('::/64');
  });

  it('keeps what it cannot parse as it is (a zone id), and an unknown peer as one key', () => {
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80::1%eth0');
    expect(clientAddressKey(undefined)).toBe('unknown');
  });
});
