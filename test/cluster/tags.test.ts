import { describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../support/git-http-server.js';
import { startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CREATE_TAG, type Tag } from '../support/tag-operations.js';
import { ADMIN } from '../support/tokens.js';

describe('tags with replicas', () => {
  it('are refused while replicas share a remote, which does not carry them', async () => {
    const remote = await startGitHttpServer();
    const h = await startHarness({ tokens: [ADMIN], env: { CAIRN_REMOTE_URL: remote.createRepository('config.git'), CAIRN_REMOTE_POLL_MS: '0' } });
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'shared' });
      const put = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'shared', path: 'a.json', content: { a: 1 }, expectedVersion: null },
      });
      expect(put.data.putConfig.status).toBe('COMMITTED');
      const created = await h.gql<{ createTag: Tag }>(CREATE_TAG, { input: { namespace: 'shared', name: 'v1', version: 'HEAD' } });
      expect(created.data.createTag).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT' });
      expect(h.git('shared', 'tag', '-l')).toBe('');
    } finally {
      await h.close();
      await remote.close();
    }
  });
});
