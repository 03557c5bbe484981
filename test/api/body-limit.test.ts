import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

/** POSTs `body` to /graphql with Transfer-Encoding: chunked (no content-length), in chunks of `chunkBytes`. */
function postChunked(url: string, body: string, chunkBytes: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    // The server may close the connection as soon as it has answered 413: later writes may fail, the answer stands.
    req.on('error', (error) => reject(error));
    let offset = 0;
    const writeNext = (): void => {
      if (offset >= body.length) {
        req.end();
        return;
      }
      const chunk = body.slice(offset, offset + chunkBytes);
      offset += chunkBytes;
      if (req.destroyed) return;
      req.write(chunk, () => setImmediate(writeNext));
    };
    writeNext();
  });
}

describe('request bodies sent chunked (no content-length)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ transport: 'http', env: { CAIRN_MAX_BODY_BYTES: '4096' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('are capped by CAIRN_MAX_BODY_BYTES like bodies with a content-length: 413', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(64 * 1024) } });
    const refused = await postChunked(h.url, big, 1024);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.text)).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('are served when they fit, however they are cut into chunks', async () => {
    const small = JSON.stringify({ query: '{ __typename }', variables: { pad: 'y'.repeat(2000) } });
    const served = await postChunked(h.url, small, 100);
    expect(served.status).toBe(200);
    expect(JSON.parse(served.text)).toEqual({ data: { __typename: 'Query' } });
    const exact = JSON.stringify({ query: '{ __typename }', variables: { pad: 'z'.repeat(4096 - 49) } });
    expect(Buffer.byteLength(exact)).toBe(4096);
    expect((await postChunked(h.url, exact, 512)).status).toBe(200);
    expect((await postChunked(h.url, `${exact} `, 512)).status).toBe(413);
    // An empty chunked body is a bad request, answered rather than left hanging.
    const empty = await postChunked(h.url, '', 1);
    expect(empty.status).toBeGreaterThanOrEqual(400);
    expect(empty.status).toBeLessThan(500);
  });

  it('answers 413 to a body far over the cap while the client is still sending it, rather than resetting the connection', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(8 * 1024 * 1024) } });
    const outcomes: string[] = [];
    for (let k = 0; k < 6; k += 1) {
      const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(
        (error: Error & { cause?: { code?: string } }) => error,
      );
      outcomes.push(res instanceof Error ? `error ${res.cause?.code ?? res.message}` : String(res.status));
    }
    expect(outcomes).toEqual(Array.from({ length: 6 }, () => '413'));
    const chunked = await postChunked(h.url, body, 256 * 1024);
    expect(chunked.status).toBe(413);
    expect((await h.gql('{ __typename }')).status).toBe(200);
  });
});
