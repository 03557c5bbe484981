/**
 * A failure the server answered (`code` as the HTTP APIs spell it: NOT_FOUND, FORBIDDEN, UNAUTHENTICATED,
 * INVALID_INPUT…, with its HTTP status) or UNREACHABLE when no answer came. Unreachable and 5xx are worth retrying;
 * the rest need someone to change a token, a name or a setting.
 */
export class CairnClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'CairnClientError';
  }

  /** Whether asking again later can succeed (the server is down, restarting, overloaded). */
  get retriable(): boolean {
    return this.status === null || this.status >= 500 || this.status === 429;
  }
}
