import { InvalidInputError } from './errors.js';
import { isJsonObject, type JsonValue } from './json-value.js';

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const BAD_ESCAPE = /~(?![01])/;

/** RFC 6901: '' is the whole document; '~' and '/' inside a token are escaped as '~0' and '~1'. */
export function encodePointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new InvalidInputError(`invalid JSON pointer '${pointer}': it must be empty or start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (BAD_ESCAPE.test(token)) throw new InvalidInputError(`invalid JSON pointer '${pointer}': '~' must be followed by 0 or 1`);
      // '~1' first, so that '~01' decodes to '~1' and not to '/'.
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** The value a pointer designates, or undefined when nothing is there. */
export function getAtPointer(value: JsonValue, pointer: string): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const token of decodePointer(pointer)) {
    current = childOf(current, token);
    if (current === undefined) return undefined;
  }
  return current;
}

function childOf(value: JsonValue | undefined, token: string): JsonValue | undefined {
  if (Array.isArray(value)) return ARRAY_INDEX.test(token) ? value[Number(token)] : undefined;
  if (isJsonObject(value)) return Object.hasOwn(value, token) ? value[token] : undefined;
  return undefined;
}
