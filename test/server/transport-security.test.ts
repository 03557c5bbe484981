import { describe, expect, it } from 'vitest';
import { checkTransportSecurity } from '../../src/server/tls-server.js';

const TLS = { certFile: '/etc/cairn/cert.pem', keyFile: '/etc/cairn/key.pem', reloadMs: 5000 };

describe('checkTransportSecurity', () => {
  it('lets loopback listen over plain HTTP', () => {
    for (const host of ['127.0.0.1', '127.8.0.1', 'localhost', '::1']) {
      expect(() => checkTransportSecurity({ host, tls: null, tlsTerminatedByProxy: false })).not.toThrow();
    }
  });

  it('refuses any other address over plain HTTP, naming the settings that allow it', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'cairn.internal']) {
      expect(() => checkTransportSecurity({ host, tls: null, tlsTerminatedByProxy: false })).toThrow(
        `CAIRN_HOST=${host} is not a loopback address and TLS is off: set CAIRN_TLS_CERT and CAIRN_TLS_KEY, or CAIRN_TLS_TERMINATED_BY_PROXY=true`,
      );
    }
  });

  it('allows it with TLS, or when a proxy terminates TLS', () => {
    expect(() => checkTransportSecurity({ host: '0.0.0.0', tls: TLS, tlsTerminatedByProxy: false })).not.toThrow();
    expect(() => checkTransportSecurity({ host: '0.0.0.0', tls: null, tlsTerminatedByProxy: true })).not.toThrow();
  });
});
