/**
 * A single-pass, iterative JSON grammar check. It runs before JSON.parse because V8's
 * messages often carry no position (so no line/column for the user), and because it can
 * stop at excessive nesting, duplicate keys and out-of-range numbers before anything recurses.
 */
export interface JsonSyntaxProblem {
  readonly offset: number;
  readonly message: string;
}

export function findJsonSyntaxProblem(text: string, maxDepth: number): JsonSyntaxProblem | null {
  try {
    new JsonScanner(text, maxDepth).scan();
    return null;
  } catch (error) {
    if (error instanceof ScanFailure) return { offset: error.offset, message: error.message };
    throw error;
  }
}

class ScanFailure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

type Mode = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'afterValue';
type Frame = { readonly kind: 'array' } | { readonly kind: 'object'; readonly keys: Set<string> };

const WHITESPACE = /[ \t\n\r]*/y;
// eslint-disable-next-line no-control-regex -- JSON strings may not hold raw control characters: the run stops at them
const STRING_RUN = /[^"\\\u0000-\u001f]*/y;
const UNICODE_ESCAPE = /u[0-9a-fA-F]{4}/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES = '"\\/bfnrt';
const LITERALS = ['true', 'false', 'null'] as const;

class JsonScanner {
  private pos = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  scan(): void {
    let mode: Mode = 'value';
    for (;;) {
      this.skipWhitespace();
      if (mode === 'afterValue' && this.stack.length === 0) {
        if (this.pos < this.text.length) this.fail('unexpected content after the JSON value');
        return;
      }
      if (this.pos >= this.text.length) this.fail('unexpected end of input');
      mode = this.step(mode);
    }
  }

  private step(mode: Mode): Mode {
    const char = this.text[this.pos];
    switch (mode) {
      case 'valueOrClose':
        return char === ']' ? this.close() : this.value();
      case 'value':
        return this.value();
      case 'keyOrClose':
        return char === '}' ? this.close() : this.key();
      case 'key':
        return this.key();
      case 'colon':
        if (char !== ':') this.fail(`expected ':' after the property name, found ${describe(char)}`);
        this.pos += 1;
        return 'value';
      case 'afterValue':
        return this.separator();
    }
  }

  private value(): Mode {
    const char = this.text[this.pos];
    if (char === '{') return this.open({ kind: 'object', keys: new Set() }, 'keyOrClose');
    if (char === '[') return this.open({ kind: 'array' }, 'valueOrClose');
    if (char === '"') {
      this.string();
      return 'afterValue';
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      this.number();
      return 'afterValue';
    }
    const literal = LITERALS.find((word) => this.text.startsWith(word, this.pos));
    if (literal === undefined) this.fail(`unexpected ${describe(char)}`);
    this.pos += literal.length;
    return 'afterValue';
  }

  private open(frame: Frame, next: Mode): Mode {
    if (this.stack.length >= this.maxDepth) this.fail(`nesting is deeper than ${this.maxDepth} levels`);
    this.stack.push(frame);
    this.pos += 1;
    return next;
  }

  private close(): Mode {
    this.stack.pop();
    this.pos += 1;
    return 'afterValue';
  }

  private key(): Mode {
    const start = this.pos;
    if (this.text[start] !== '"') this.fail(`expected a property name in double quotes, found ${describe(this.text[start])}`);
    this.string();
    const name = JSON.parse(this.text.slice(start, this.pos)) as string;
    const frame = this.stack[this.stack.length - 1];
    if (frame?.kind !== 'object') throw new Error('JSON scanner: key outside an object');
    // A repeated key silently loses one of the values, which in configuration is always a mistake.
    if (frame.keys.has(name)) this.fail(`duplicate key ${JSON.stringify(name)}`, start);
    // Assigning "__proto__" replaces an object's prototype in most JavaScript code that copies values.
    if (name === '__proto__') this.fail('the key "__proto__" is not allowed', start);
    frame.keys.add(name);
    return 'colon';
  }

  private separator(): Mode {
    const char = this.text[this.pos];
    const frame = this.stack[this.stack.length - 1];
    const closer = frame?.kind === 'array' ? ']' : '}';
    if (char === ',') {
      this.pos += 1;
      return frame?.kind === 'array' ? 'value' : 'key';
    }
    if (char === closer) return this.close();
    return this.fail(`expected ',' or '${closer}', found ${describe(char)}`);
  }

  private string(): void {
    const start = this.pos;
    let pos = start + 1;
    for (;;) {
      STRING_RUN.lastIndex = pos;
      pos += STRING_RUN.exec(this.text)?.[0].length ?? 0;
      const char = this.text[pos];
      if (char === '"') break;
      if (char === undefined) this.fail('unterminated string', start);
      if (char !== '\\') this.fail('control character in a string (it must be escaped)', pos);
      pos = this.escape(pos);
    }
    this.pos = pos + 1;
  }

  private escape(backslash: number): number {
    const next = this.text[backslash + 1];
    if (next !== undefined && SIMPLE_ESCAPES.includes(next)) return backslash + 2;
    UNICODE_ESCAPE.lastIndex = backslash + 1;
    if (UNICODE_ESCAPE.test(this.text)) return backslash + 6;
    return this.fail('invalid escape sequence in a string', backslash);
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const literal = NUMBER.exec(this.text)?.[0];
    if (literal === undefined) this.fail('invalid number');
    // JSON.parse would quietly turn 1e400 into Infinity, which no JSON serializer can write back.
    if (!Number.isFinite(Number(literal))) this.fail('number is too large to represent');
    this.pos += literal.length;
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.pos;
    this.pos += WHITESPACE.exec(this.text)?.[0].length ?? 0;
  }

  private fail(message: string, offset = this.pos): never {
    throw new ScanFailure(offset, message);
  }
}

function describe(char: string | undefined): string {
  return char === undefined ? 'end of input' : JSON.stringify(char);
}

export interface JsonStructureLimits {
  readonly maxDepth: number;
  readonly maxContainers: number;
  readonly maxValues: number;
}

/**
 * Counts the arrays, objects and values of JSON text without building them, and stops at the first limit passed.
 * JSON.parse builds a container in about a microsecond and cannot be interrupted: 16 MiB of `[]` kept the event
 * loop for 10 s. The text need not be valid JSON; whatever parses it next reports what is wrong with it.
 * Values are counted as containers plus separators, which counts every value but the first of each container.
 */
export function findJsonStructureProblem(text: string, limits: JsonStructureLimits): JsonSyntaxProblem | null {
  let depth = 0;
  let containers = 0;
  let values = 0;
  for (let pos = 0; pos < text.length; pos += 1) {
    const code = text.charCodeAt(pos);
    if (code === QUOTE) {
      pos = stringEnd(text, pos);
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      depth += 1;
      containers += 1;
      values += 1;
      if (depth > limits.maxDepth) return { offset: pos, message: `arrays and objects are nested deeper than ${limits.maxDepth} levels` };
      if (containers > limits.maxContainers) return { offset: pos, message: `there are more than ${limits.maxContainers} arrays and objects` };
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth = Math.max(0, depth - 1);
    } else if (code === COMMA) {
      values += 1;
    }
    if (values > limits.maxValues) return { offset: pos, message: `there are more than ${limits.maxValues} values` };
  }
  return null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The offset of the quote that closes the string opened at `open` (or the end of the text). */
function stringEnd(text: string, open: number): number {
  for (let pos = open + 1; pos < text.length; pos += 1) {
    const code = text.charCodeAt(pos);
    if (code === BACKSLASH) pos += 1;
    else if (code === QUOTE) return pos;
  }
  return text.length;
}
