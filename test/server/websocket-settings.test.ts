import { describe, expect, it } from 'vitest';
import { readSettings } from '../../src/server/settings.js';

describe('WebSocket settings', () => {
  it('defaults: 1 MiB messages, 64 connections per address, 256 awaiting connection_init, 32 operations per socket', () => {
    expect(readSettings({}).websocket).toEqual({ maxPayloadBytes: 1_048_576, maxConnectionsPerIp: 64, maxPendingConnections: 256, maxSubscriptions: 32 });
  });

  it('reads each from its variable; only the per-address cap may be 0 (off)', () => {
    const env = {
      CAIRN_WS_MAX_PAYLOAD_BYTES: '65536',
      CAIRN_WS_MAX_CONNECTIONS_PER_IP: '0',
      CAIRN_WS_MAX_PENDING_CONNECTIONS: '10',
      CAIRN_WS_MAX_SUBSCRIPTIONS: '5',
    };
    expect(readSettings(env).websocket).toEqual({ maxPayloadBytes: 65_536, maxConnectionsPerIp: 0, maxPendingConnections: 10, maxSubscriptions: 5 });
    for (const name of ['CAIRN_WS_MAX_PAYLOAD_BYTES', 'CAIRN_WS_MAX_PENDING_CONNECTIONS', 'CAIRN_WS_MAX_SUBSCRIPTIONS']) {
      expect(() => readSettings({ [name]: '0' })).toThrow(name);
    }
    expect(() => readSettings({ CAIRN_WS_MAX_CONNECTIONS_PER_IP: '-1' })).toThrow('CAIRN_WS_MAX_CONNECTIONS_PER_IP');
  });
});
