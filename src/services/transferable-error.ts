import { CairnError, InvalidDocumentError, InvalidInputError, InvalidPathError, TooExpensiveError } from '../domain/errors.js';

/**
 * An expected failure as plain data, so it can cross from a worker thread (structured clone keeps an Error's message,
 * not its class, code or fields) and be thrown again on the main thread as the same typed error.
 */
export type TransferableError =
  | { readonly code: 'INVALID_DOCUMENT'; readonly path: string; readonly detail: string; readonly line: number | null; readonly column: number | null }
  | { readonly code: 'INVALID_PATH'; readonly path: string; readonly reason: string }
  | { readonly code: 'INVALID_INPUT'; readonly message: string }
  | { readonly code: 'TOO_EXPENSIVE'; readonly limit: string; readonly detail: string };

/** The failures document parsing can raise; anything else is unexpected and travels as a plain Error. */
export function toTransferable(error: unknown): TransferableError | null {
  if (!(error instanceof CairnError)) return null;
  if (error instanceof InvalidDocumentError)
    return { code: 'INVALID_DOCUMENT', path: error.path, detail: error.detail, line: error.line, column: error.column };
  if (error instanceof InvalidPathError) return { code: 'INVALID_PATH', path: error.path, reason: error.reason };
  if (error instanceof TooExpensiveError) return { code: 'TOO_EXPENSIVE', limit: error.limit, detail: error.detail };
  if (error instanceof InvalidInputError) return { code: 'INVALID_INPUT', message: error.message };
  return null;
}

export function fromTransferable(error: TransferableError): CairnError {
  switch (error.code) {
    case 'INVALID_DOCUMENT':
      return new InvalidDocumentError(error.path, error.detail, error.line, error.column);
    case 'INVALID_PATH':
      return new InvalidPathError(error.path, error.reason);
    case 'TOO_EXPENSIVE':
      return new TooExpensiveError(error.limit, error.detail);
    case 'INVALID_INPUT':
      return new InvalidInputError(error.message);
  }
}
