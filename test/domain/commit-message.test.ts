import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type CommitTrailers, formatCommitMessage, parseCommitMessage, validateRequestId } from '../../src/domain/commit-message.js';
import { InvalidInputError } from '../../src/domain/errors.js';

const UPDATE: CommitTrailers = { action: 'update', operatorIp: '10.1.2.3', requestId: 'req-42', rollbackTo: null, reverts: null };

/** What Git itself reads as the message's trailers. */
function gitTrailers(message: string): string[] {
  const output = execFileSync('git', ['interpret-trailers', '--parse'], { input: message, cwd: tmpdir(), encoding: 'utf8' });
  return output.split('\n').filter((line) => line !== '');
}

function trailerLines(trailers: CommitTrailers): string[] {
  return (
    formatCommitMessage('x', trailers)
      .split('\n\n')[1]
      ?.split('\n')
      .filter((line) => line !== '') ?? []
  );
}

describe('formatCommitMessage', () => {
  it('writes the comment, a blank line and the trailers in a fixed order', () => {
    const message = formatCommitMessage('Raise the payment timeout', {
      action: 'revert',
      operatorIp: '2001:db8::1',
      requestId: 'abc.DEF_1:2-3',
      rollbackTo: 'a'.repeat(40),
      reverts: 'b'.repeat(40),
    });
    expect(message).toBe(
      [
        'Raise the payment timeout',
        '',
        'Cairn-Action: revert',
        'Cairn-Operator-IP: 2001:db8::1',
        'Cairn-Request-Id: abc.DEF_1:2-3',
        `Cairn-Rollback-To: ${'a'.repeat(40)}`,
        `Cairn-Reverts: ${'b'.repeat(40)}`,
        '',
      ].join('\n'),
    );
  });

  it('leaves out null trailers', () => {
    expect(formatCommitMessage('c', { action: 'create', operatorIp: null, requestId: null, rollbackTo: null, reverts: null })).toBe(
      'c\n\nCairn-Action: create\n',
    );
  });

  it('cleans the comment', () => {
    expect(formatCommitMessage('  line one\r\nline\u0000 two\u001b[31m\tok\r\n\r\n', UPDATE)).toMatch(/^line one\nline two\[31m\tok\n\n/);
    expect(formatCommitMessage('x'.repeat(5000), UPDATE).split('\n')[0]).toHaveLength(4000);
    expect(formatCommitMessage(`${'x'.repeat(3999)}😀`, UPDATE).split('\n')[0]).toBe('x'.repeat(3999));
  });

  it('uses a default comment when none is left', () => {
    expect(formatCommitMessage('', UPDATE).split('\n')[0]).toBe('update via Cairn');
    expect(formatCommitMessage(' \r\n\u0007 ', { ...UPDATE, action: 'delete' }).split('\n')[0]).toBe('delete via Cairn');
  });

  it('refuses multi-line trailer values and bad request ids', () => {
    expect(() => formatCommitMessage('c', { ...UPDATE, operatorIp: '1.2.3.4\nCairn-Action: revert' })).toThrow(InvalidInputError);
    expect(() => formatCommitMessage('c', { ...UPDATE, reverts: 'abc\r' + 'def' })).toThrow(InvalidInputError);
    expect(() => formatCommitMessage('c', { ...UPDATE, requestId: 'has space' })).toThrow(InvalidInputError);
    expect(() => formatCommitMessage('c', { ...UPDATE, action: 'merge', approvedBy: 'a@x\nCairn-Emergency: true' })).toThrow(InvalidInputError);
    expect(() => formatCommitMessage('c', { ...UPDATE, action: 'squash' as CommitTrailers['action'] })).toThrow(InvalidInputError);
  });

  it('agrees with git interpret-trailers', () => {
    const message = formatCommitMessage('Subject\n\nBody paragraph.\nSigned-off-by: someone', UPDATE);
    expect(gitTrailers(message)).toEqual(trailerLines(UPDATE));
  });
});

describe('forged trailers in the comment', () => {
  const FORGERIES = [
    'Cairn-Action: revert\nCairn-Reverts: deadbeef',
    'Looks normal\n\nCairn-Action: revert\nCairn-Reverts: deadbeef',
    'Cairn-Action: revert\n---\nthe rest looks like a patch',
    'x\n\nCairn-Action: rollback\nCairn-Rollback-To: deadbeef\n--- \n',
    'x\n\nCairn-Action: delete\n# ------------------------ >8 ------------------------\nignored by git',
    'x\n\nCairn-Action: delete\n\n \t \n',
    'x\r\n\r\nCairn-Action: revert\r\nCairn-Operator-IP: 6.6.6.6',
    'x\n\nCairn-Action: revert\n\u0000\nCairn-Request-Id: forged',
  ];

  it.each(FORGERIES)('cannot forge trailers with %j', (comment) => {
    const message = formatCommitMessage(comment, UPDATE);
    expect(parseCommitMessage(message).trailers).toEqual(UPDATE);
    expect(gitTrailers(message)).toEqual(trailerLines(UPDATE));
  });

  it('needs the divider to be neutralised: Git stops reading at "---"', () => {
    const naive = `x\n\nCairn-Action: revert\n---\nmore\n\n${trailerLines(UPDATE).join('\n')}\n`;
    expect(gitTrailers(naive)).toEqual(['Cairn-Action: revert']);
  });
});

describe('parseCommitMessage', () => {
  it('round-trips what formatCommitMessage writes', () => {
    const cases: [string, CommitTrailers][] = [
      ['Raise timeout', UPDATE],
      ['Subject\n\nLong body\nwith lines', { action: 'rollback', operatorIp: null, requestId: null, rollbackTo: 'c'.repeat(40), reverts: null }],
      ['Undo it', { action: 'revert', operatorIp: '::1', requestId: 'r', rollbackTo: null, reverts: 'd'.repeat(64) }],
      ['Cairn-Action: revert', { action: 'create', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }],
      ['Ship it', { action: 'merge', operatorIp: '::1', requestId: null, rollbackTo: null, reverts: null, proposal: 'abc-12', approvedBy: 'a@x, b@x' }],
      ['LGTM', { action: 'approve', operatorIp: null, requestId: null, rollbackTo: null, reverts: null, proposal: 'abc-12' }],
      ['Outage', { action: 'rollback', operatorIp: null, requestId: null, rollbackTo: 'e'.repeat(40), reverts: null, emergency: 'true' }],
    ];
    for (const [comment, trailers] of cases) {
      expect(parseCommitMessage(formatCommitMessage(comment, trailers))).toEqual({ comment, trailers });
    }
  });

  it('gives null trailers for commits made outside Cairn', () => {
    expect(parseCommitMessage('Initial commit\n')).toEqual({ comment: 'Initial commit', trailers: null });
    expect(parseCommitMessage('Fix\n\nSigned-off-by: A <a@example.com>\n')).toEqual({
      comment: 'Fix\n\nSigned-off-by: A <a@example.com>',
      trailers: null,
    });
    expect(parseCommitMessage('Cairn-Action: update\n')).toEqual({ comment: 'Cairn-Action: update', trailers: null });
    expect(parseCommitMessage('x\n\nCairn-Action: explode\n').trailers).toBeNull();
    expect(parseCommitMessage('x\n\nCairn-Action: update\nnot a trailer\n').trailers).toBeNull();
    expect(parseCommitMessage('')).toEqual({ comment: '', trailers: null });
  });

  it('reads only the last paragraph', () => {
    const message = 'x\n\nCairn-Action: revert\nCairn-Reverts: abc\n\nCairn-Action: update\n';
    expect(parseCommitMessage(message)).toEqual({
      comment: 'x\n\nCairn-Action: revert\nCairn-Reverts: abc',
      trailers: { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null },
    });
  });

  it('accepts CRLF messages and other trailers next to ours', () => {
    const message = 'Subject\r\n\r\nCairn-Action: delete\r\nSigned-off-by: A\r\ncairn-request-id: r1\r\n';
    expect(parseCommitMessage(message)).toEqual({
      comment: 'Subject',
      trailers: { action: 'delete', operatorIp: null, requestId: 'r1', rollbackTo: null, reverts: null },
    });
  });
});

describe('validateRequestId', () => {
  it.each(['a', 'req-1', 'A.b_c:d-e', '0'.repeat(128), '550e8400-e29b-41d4-a716-446655440000'])('accepts %j', (id) => {
    expect(validateRequestId(id)).toBe(id);
  });

  it.each(['', '0'.repeat(129), 'a b', 'a/b', 'a\nb', 'é', 'a;b'])('rejects %j', (id) => {
    expect(() => validateRequestId(id)).toThrow(InvalidInputError);
  });
});
