import { type Connection, authorization, graphqlUrl } from './connection.js';
import { CliError, type GraphQLErrorBody, graphqlError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { type PostAnswer, postOverHttp } from './http-post.js';

interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorBody[];
}

/** Node's codes for a server certificate it does not trust (a private CA's, a self-signed one). */
const untrusted = (reason: string): boolean => /CERT|SIGNATURE|ISSUER/.test(reason);
const UNTRUSTED_HINT = '; a certificate of a private CA is trusted with NODE_EXTRA_CA_CERTS=<CA file in PEM>';

/** GraphQL over HTTP: one POST per operation; transport and protocol failures become CliErrors with their exit code. */
export class HttpClient {
  constructor(readonly connection: Connection) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const signal = AbortSignal.timeout(this.connection.timeoutMs);
    const response = await this.post(query, variables, signal);
    const body = await this.parse<T>(response).catch((error: unknown) => {
      throw signal.aborted ? this.timedOut() : error;
    });
    if (body.errors?.length) throw graphqlError(body.errors);
    if (!body.data) throw new CliError(`the server answered ${response.status} without data`, ExitCode.unexpected, 'Unexpected');
    return body.data;
  }

  private async post(query: string, variables: Record<string, unknown>, signal: AbortSignal): Promise<PostAnswer> {
    const url = graphqlUrl(this.connection);
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorization(this.connection) };
    const body = JSON.stringify({ query, variables });
    try {
      // Plain HTTP goes through node:http; HTTPS, and a redirect (which fetch follows as it always did), through fetch.
      if (url.startsWith('http:')) {
        const answer = await postOverHttp(url, headers, body, signal);
        if (answer.location === undefined || answer.status < 300 || answer.status >= 400) return answer;
      }
      return await fetch(url, { method: 'POST', headers, body, signal });
    } catch (error) {
      if (signal.aborted) throw this.timedOut();
      // fetch says why in its error's cause; node:http in the error itself.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new CliError(`cannot reach ${url}: ${reason}${untrusted(reason) ? UNTRUSTED_HINT : ''}`, ExitCode.unreachable, 'Unreachable', { url });
    }
  }

  /** A write may still have landed: its request id, sent again, answers what happened (REPLAYED). */
  private timedOut(): CliError {
    const url = graphqlUrl(this.connection);
    return new CliError(
      `no answer from ${url} within ${this.connection.timeoutMs} ms (--timeout); a write may still have landed: run it again with the same --request-id to find out`,
      ExitCode.unreachable,
      'Timeout',
      { url },
    );
  }

  private async parse<T>(response: PostAnswer): Promise<GraphQLResponse<T>> {
    if (response.status === 401) {
      const reason = this.connection.token ? 'the token was refused' : 'no token given (--token or CAIRN_TOKEN)';
      throw new CliError(`unauthenticated: ${reason}`, ExitCode.forbidden, 'Unauthenticated');
    }
    if (response.status === 413)
      throw new CliError('the request is larger than the server accepts (CAIRN_MAX_BODY_BYTES)', ExitCode.invalid, 'PayloadTooLarge');
    const text = await response.text();
    try {
      return JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      throw new CliError(`the server answered ${response.status} with something other than GraphQL: ${text.slice(0, 200)}`, ExitCode.unexpected, 'Unexpected');
    }
  }
}
