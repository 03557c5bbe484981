import { afterEach, describe, expect, it } from 'vitest';
import { LocalServer } from '../../src/cli/agent/local-server.js';

/** `cairn agent --listen`'s server on a real socket: what it answers, and that no request can take the agent down. */

const V1 = '1'.repeat(40);
const V2 = '2'.repeat(40);

describe('the agent local server', () => {
  let server: LocalServer | null = null;
  afterEach(() => server?.close());

  const start = async (): Promise<string> => {
    server = new LocalServer(() => ({ version: V1, status: 'APPLIED', message: null, live: true }));
    const address = await server.listen('127.0.0.1:0');
    return `http://127.0.0.1:${address.port}`;
  };

  it('answers documents as written or as JSON, with the version as ETag; long-polls until another version is in service', async () => {
    const url = await start();
    expect((await fetch(`${url}/app.yaml`)).status).toBe(503);
    server!.serve({ version: V1, documents: { 'app.yaml': '# comment\nrps: 10\n' } });
    const res = await fetch(`${url}/app.yaml`);
    expect([res.status, res.headers.get('etag'), await res.text()]).toEqual([200, `"${V1}"`, '# comment\nrps: 10\n']);
    expect(await (await fetch(`${url}/app.yaml?format=json`)).json()).toEqual({ rps: 10 });
    expect((await fetch(`${url}/app.yaml`, { headers: { 'if-none-match': `"${V1}"` } })).status).toBe(304);
    const held = fetch(`${url}/app.yaml?wait=10s&format=json`, { headers: { 'if-none-match': `"${V1}"` } });
    await new Promise((r) => setTimeout(r, 50));
    server!.serve({ version: V2, documents: { 'app.yaml': 'rps: 20\n' } });
    const woken = await held;
    expect([woken.headers.get('etag'), await woken.json()]).toEqual([`"${V2}"`, { rps: 20 }]);
    expect(await (await fetch(`${url}/.cairn/state`)).json()).toEqual({ version: V1, status: 'APPLIED', message: null, live: true, documents: ['app.yaml'] });
  });

  it('answers bad requests with 4xx and keeps serving: malformed encoding, prototype names, a document that does not parse', async () => {
    const url = await start();
    server!.serve({ version: V1, documents: { 'bad.yaml': 'a: [\n', 'ok.json': '{}' } });
    expect((await fetch(`${url}/%E0`)).status).toBe(400);
    expect((await fetch(`${url}/constructor?format=json`)).status).toBe(404);
    expect((await fetch(`${url}/__proto__`)).status).toBe(404);
    expect((await fetch(`${url}/bad.yaml?format=json`)).status).toBe(422);
    expect((await fetch(`${url}/ok.json?wait=forever`)).status).toBe(400);
    expect((await fetch(`${url}/ok.json`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/ok.json`)).status).toBe(200);
  });
});
