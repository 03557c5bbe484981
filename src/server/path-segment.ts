import { InvalidInputError } from '../domain/errors.js';

/** A URL path segment percent-decoded; malformed encoding (`%E0`) is the client's error, answered 400. */
export function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError(`'${segment}' is not valid percent-encoding`);
  }
}
