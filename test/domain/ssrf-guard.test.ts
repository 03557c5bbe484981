import { describe, expect, it } from 'vitest';
import { InvalidWebhookUrlError } from '../../src/domain/errors.js';
import { cidrContains, formatIp, parseCidr, parseIp, specialPurpose } from '../../src/domain/ip-address.js';
import { EMPTY_ALLOW_LIST, addressRefusal, checkWebhookUrl, parseAllowList } from '../../src/domain/webhook-url.js';

function ip(text: string) {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`unparsed ${text}`);
  return parsed;
}

describe('IP addresses', () => {
  it('parses dotted quads and RFC 4291 text, and refuses anything else', () => {
    expect(formatIp(ip('192.168.0.1'))).toBe('192.168.0.1');
    expect(formatIp(ip('[::1]'))).toBe('::1');
    expect(formatIp(ip('2001:DB8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatIp(ip('::ffff:127.0.0.1'))).toBe('::ffff:7f00:1');
    expect(formatIp(ip('1:2:3:4:5:6:7:8'))).toBe('1:2:3:4:5:6:7:8');
    expect(formatIp(ip('1::'))).toBe('1::');
    for (const bad of [
      '256.0.0.1',
      '1.2.3',
      '01.2.3.4',
      '1.2.3.4.5',
      '0x7f.0.0.1',
      '2130706433',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      'fe80::1%eth0',
      'g::1',
      '',
      'localhost',
    ]) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });

  it('matches CIDRs, IPv4-mapped addresses as their IPv4 address', () => {
    const loopback = parseCidr('127.0.0.0/8')!;
    expect(cidrContains(loopback, ip('127.255.0.1'))).toBe(true);
    expect(cidrContains(loopback, ip('::ffff:127.0.0.1'))).toBe(true);
    expect(cidrContains(loopback, ip('128.0.0.1'))).toBe(false);
    expect(cidrContains(parseCidr('172.16.0.0/12')!, ip('172.31.255.255'))).toBe(true);
    expect(cidrContains(parseCidr('172.16.0.0/12')!, ip('172.32.0.0'))).toBe(false);
    expect(cidrContains(parseCidr('fe80::/10')!, ip('febf::1'))).toBe(true);
    expect(cidrContains(parseCidr('fe80::/10')!, ip('fec0::1'))).toBe(false);
    expect(cidrContains(parseCidr('::ffff:10.0.0.0/104')!, ip('10.1.2.3'))).toBe(true);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '::/129', '10.0.0.0/8/8', '10.0.0.0/1e1']) expect(parseCidr(bad), bad).toBeNull();
  });

  it('names every special-purpose range and lets public unicast through', () => {
    const special: [string, string][] = [
      ['0.1.2.3', 'unspecified'],
      ['10.20.30.40', 'private'],
      ['100.127.255.255', 'carrier-grade NAT'],
      ['127.0.0.1', 'loopback'],
      ['169.254.169.254', 'cloud metadata'],
      ['169.254.170.2', 'cloud metadata'],
      ['168.63.129.16', 'cloud metadata'],
      ['192.0.0.192', 'cloud metadata'],
      ['169.254.0.1', 'link-local'],
      ['172.20.0.1', 'private'],
      ['192.0.2.1', 'documentation'],
      ['192.168.255.255', 'private'],
      ['198.19.0.1', 'benchmarking'],
      ['224.0.0.251', 'multicast'],
      ['240.0.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:169.254.169.254', 'cloud metadata'],
      ['::7f00:1', 'reserved'],
      ['64:ff9b::169.254.169.254', 'cloud metadata'],
      ['64:ff9b:1::1', 'local NAT64'],
      ['2002:a9fe:a9fe::1', 'cloud metadata'],
      ['2001:db8::1', 'documentation'],
      ['2001::1', 'IETF'],
      ['fd00:ec2::254', 'cloud metadata'],
      ['fd12:3456::1', 'unique local'],
      ['fe80::1', 'link-local'],
      ['fec0::1', 'site-local'],
      ['ff02::1', 'multicast'],
    ];
    for (const [address, kind] of special) expect(specialPurpose(ip(address)), address).toContain(kind);
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.215.14',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::8.8.8.8',
      '2002:808:808::1',
    ]) {
      expect(specialPurpose(ip(address)), address).toBeNull();
    }
  });
});

describe('webhook URL rules', () => {
  const refusedReason = (url: string, allow = EMPTY_ALLOW_LIST): string => {
    try {
      checkWebhookUrl(url, allow);
    } catch (error) {
      if (error instanceof InvalidWebhookUrlError) return error.reason;
      throw error;
    }
    return 'accepted';
  };

  it('normalizes the lenient IPv4 forms before judging them (the WHATWG URL parser does what inet_aton does)', () => {
    for (const url of [
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://127.0.1/',
      'http://%31%32%37.0.0.1/',
    ]) {
      expect(refusedReason(url), url).toBe('127.0.0.1 is a loopback address');
    }
    expect(refusedReason('http://0xa9.0xfe.0xa9.0xfe/')).toBe('169.254.169.254 is a cloud metadata address');
  });

  it('accepts http(s) URLs of public hosts, and reports the host for later DNS checks', () => {
    const checked = checkWebhookUrl('https://Hooks.Example.COM.:8443/path?q=1', EMPTY_ALLOW_LIST);
    expect(checked).toMatchObject({ host: 'hooks.example.com', literal: null, hostAllowed: false });
    expect(checked.url.href).toBe('https://hooks.example.com.:8443/path?q=1');
    expect(refusedReason('http://8.8.8.8/')).toBe('accepted');
    expect(refusedReason(`http://example.com/${'a'.repeat(2100)}`)).toMatch(/longer than/);
    expect(refusedReason('http://exa mple.com/')).toMatch(/not a valid absolute URL/);
    expect(refusedReason('http://')).toMatch(/not a valid absolute URL/);
  });

  it('the allow-list exempts ranges and host names, and nothing else', () => {
    const allow = parseAllowList(['127.0.0.1/32', ' ::1 ', '10.0.0.0/8', 'Hooks.Internal.', '']);
    expect(refusedReason('http://127.0.0.1:4000/', allow)).toBe('accepted');
    expect(refusedReason('http://[::ffff:127.0.0.1]/', allow)).toBe('accepted');
    expect(refusedReason('http://[::1]/', allow)).toBe('accepted');
    expect(refusedReason('http://10.9.8.7/', allow)).toBe('accepted');
    expect(refusedReason('http://127.0.0.2/', allow)).toBe('127.0.0.2 is a loopback address');
    expect(refusedReason('http://169.254.169.254/', allow)).toMatch(/cloud metadata/);
    expect(checkWebhookUrl('http://hooks.internal/x', allow).hostAllowed).toBe(true);
    expect(refusedReason('http://user:pw@hooks.internal/x', allow)).toMatch(/credentials/);
    expect(addressRefusal(parseIp('10.0.0.1')!, allow)).toBeNull();
    expect(addressRefusal(parseIp('192.168.0.1')!, allow)).toBe('192.168.0.1 is a private address');
    expect(() => parseAllowList(['10.0.0.0/99'])).toThrow(/not a CIDR/);
    expect(() => parseAllowList(['http://x/'])).toThrow(/not a CIDR/);
  });
});
