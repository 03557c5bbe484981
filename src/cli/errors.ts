import { ExitCode, type ExitCodeValue, exitCodeOfExtension, exitCodeOfTypename } from './exit-codes.js';

/** A failure the CLI reports and exits with: a message for people, a type and details for --json. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** The API error type (`VersionConflict`), or the CLI's own (`Usage`, `Unreachable`). */
    readonly type: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { type: this.type, message: this.message, exitCode: this.exitCode, ...this.details };
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.invalid, 'Usage');
}

/** An error member of a result union, e.g. `{ __typename: 'VersionConflict', message, currentVersion, ... }`. */
export function apiError(result: { __typename: string; message?: string | null } & Record<string, unknown>): CliError {
  const { __typename, message, ...details } = result;
  return new CliError(message ?? __typename, exitCodeOfTypename(__typename, details.reason), __typename, details);
}

export interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions?: Record<string, unknown> & { code?: string };
}

export function graphqlError(errors: readonly GraphQLErrorBody[]): CliError {
  const first = errors[0];
  const code = first?.extensions?.code;
  return new CliError(
    errors.map((e) => e.message).join('; ') || 'GraphQL error',
    exitCodeOfExtension(code, first?.extensions?.reason),
    code ?? 'GraphQLError',
    first?.extensions ? { extensions: first.extensions } : {},
  );
}
