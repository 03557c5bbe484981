/** An entry of the tokens file a test server reads (CAIRN_TOKENS_FILE). */
export interface TestToken {
  readonly token: string;
  readonly name: string;
  readonly email: string;
  readonly roles: Record<string, 'agent' | 'viewer' | 'editor' | 'admin'>;
  readonly revoked?: boolean;
  /** The environments the token may act for instances of (an agent's); absent: all. */
  readonly environments?: readonly string[];
}

/**
 * The people the tests act as, one role each in every namespace. A test that needs other grants (a role in some
 * namespaces only, a revoked token, names that are prototype properties) defines its own beside these.
 */
export const ADMIN: TestToken = { token: 'ada-admin-token', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' } };
export const EDITOR: TestToken = { token: 'ed-editor-token', name: 'Ed Editor', email: 'ed@example.com', roles: { '*': 'editor' } };
export const VIEWER: TestToken = { token: 'vi-viewer-token', name: 'Vi Viewer', email: 'vi@example.com', roles: { '*': 'viewer' } };
