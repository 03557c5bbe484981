/**
 * The token boundaries of the `yaml` library's Lexer (yaml 2.x, `dist/parse/lexer.js`), found without building
 * strings: the same states and the same decisions, on offsets into the text. The pre-scan reads YAML through it,
 * so that a quote, a comment or a block scalar is text or structure exactly when the real parser says so; a
 * scanner that disagreed could be shown a bomb the parser then has to build. `test/domain/yaml-token-scanner.test.ts`
 * holds it to the Lexer's own token stream.
 */
export type YamlTokenKind =
  | 'byte-order-mark'
  | 'directive-line'
  | 'doc-mode'
  | 'doc-start'
  | 'doc-end'
  | 'flow-error-end'
  | 'space'
  | 'newline'
  | 'comment'
  | 'seq-item-ind'
  | 'explicit-key-ind'
  | 'map-value-ind'
  | 'comma'
  | 'flow-map-start'
  | 'flow-map-end'
  | 'flow-seq-start'
  | 'flow-seq-end'
  | 'anchor'
  | 'tag'
  | 'alias'
  | 'single-quoted-scalar'
  | 'double-quoted-scalar'
  | 'block-scalar-header'
  /** A plain scalar or the body of a block scalar (the Lexer marks both the same way); may be empty. */
  | 'scalar';

export type YamlTokenSink = (kind: YamlTokenKind, start: number, end: number) => void;

type State = 'stream' | 'line-start' | 'block-start' | 'doc' | 'flow';

/** Linear in the text; a sink may throw to stop early. */
export function scanYamlTokens(text: string, sink: YamlTokenSink): void {
  new YamlTokenScanner(text, sink).run();
}

const TAG_CHARS = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");
const HEX_DIGITS = new Set('0123456789ABCDEFabcdef');
const FLOW_INDICATORS = new Set(',[]{}');

function isEmpty(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t';
}

function isNotAnchorChar(ch: string | undefined): boolean {
  return isEmpty(ch) || (ch !== undefined && FLOW_INDICATORS.has(ch));
}

class YamlTokenScanner {
  private pos = 0;
  private flowKey = false;
  private flowLevel = 0;
  private indentNext = 0;
  private indentValue = 0;
  private blockScalarIndent = -1;
  private blockScalarKeep = false;
  private lineEndCache = -2;

  constructor(
    private readonly text: string,
    private readonly sink: YamlTokenSink,
  ) {}

  run(): void {
    let state: State = 'stream';
    while (this.pos < this.text.length) state = this.step(state);
  }

  private step(state: State): State {
    switch (state) {
      case 'stream':
        return this.parseStream();
      case 'line-start':
        return this.parseLineStart();
      case 'block-start':
        return this.parseBlockStart();
      case 'doc':
        return this.parseDocument();
      case 'flow':
        return this.parseFlowCollection();
    }
  }

  private at(index: number): string | undefined {
    return this.text[index];
  }

  /** End of the current line: the next "\n", less a "\r" before it, or the end of the text. */
  private lineEnd(): number {
    if (this.lineEndCache === -2 || (this.lineEndCache !== -1 && this.lineEndCache < this.pos)) {
      this.lineEndCache = this.text.indexOf('\n', this.pos);
    }
    const newline = this.lineEndCache;
    if (newline === -1) return this.text.length;
    return this.text[newline - 1] === '\r' ? newline - 1 : newline;
  }

  private parseStream(): State {
    let lineStart = this.pos;
    const lineEnd = this.lineEnd();
    if (this.at(lineStart) === '\uFEFF') {
      this.pushCount(1, 'byte-order-mark');
      lineStart += 1;
    }
    if (this.at(lineStart) === '%') {
      this.parseDirectiveLine(lineStart, lineEnd);
      return 'stream';
    }
    if (this.atLineEnd()) {
      this.pushSpaces(true);
      this.pushCount(lineEnd - this.pos, 'comment');
      this.pushNewline();
      return 'stream';
    }
    this.sink('doc-mode', this.pos, this.pos);
    return this.parseLineStart();
  }

  private parseDirectiveLine(lineStart: number, lineEnd: number): void {
    let dirEnd = lineEnd;
    for (let cs = lineStart; cs < lineEnd; cs += 1) {
      const before = this.at(cs - 1);
      if (this.at(cs) === '#' && (before === ' ' || before === '\t')) {
        dirEnd = cs - 1;
        break;
      }
    }
    while (dirEnd > lineStart && (this.at(dirEnd - 1) === ' ' || this.at(dirEnd - 1) === '\t')) dirEnd -= 1;
    this.pushCount(dirEnd - this.pos, 'directive-line');
    this.pushSpaces(true);
    this.pushCount(lineEnd - this.pos, 'comment');
    this.pushNewline();
  }

  private atLineEnd(): boolean {
    let i = this.pos;
    let ch = this.at(i);
    while (ch === ' ' || ch === '\t') ch = this.at(++i);
    if (ch === undefined || ch === '#' || ch === '\n') return true;
    if (ch === '\r') return this.at(i + 1) === '\n';
    return false;
  }

  private parseLineStart(): State {
    const ch = this.at(this.pos);
    if (ch === '-' || ch === '.') {
      const marker = this.text.substr(this.pos, 3);
      if ((marker === '---' || marker === '...') && isEmpty(this.at(this.pos + 3))) {
        this.pushCount(3, marker === '---' ? 'doc-start' : 'doc-end');
        this.indentValue = 0;
        this.indentNext = 0;
        return marker === '---' ? 'doc' : 'stream';
      }
    }
    this.indentValue = this.pushSpaces(false);
    if (this.indentNext > this.indentValue && !isEmpty(this.at(this.pos + 1))) this.indentNext = this.indentValue;
    return this.parseBlockStart();
  }

  private parseBlockStart(): State {
    const ch0 = this.at(this.pos);
    const ch1 = this.at(this.pos + 1);
    if ((ch0 === '-' || ch0 === '?' || ch0 === ':') && isEmpty(ch1)) {
      const n = this.pushCount(1, indicatorKind(ch0)) + this.pushSpaces(true);
      this.indentNext = this.indentValue + 1;
      this.indentValue += n;
      return 'block-start';
    }
    return 'doc';
  }

  private parseDocument(): State {
    this.pushSpaces(true);
    const lineEnd = this.lineEnd();
    this.pushIndicators();
    const ch = this.pos < lineEnd ? this.at(this.pos) : undefined;
    switch (ch) {
      case '#':
        this.pushCount(lineEnd - this.pos, 'comment');
        this.pushNewline();
        return this.parseLineStart();
      case undefined:
        this.pushNewline();
        return this.parseLineStart();
      case '{':
      case '[':
        this.pushCount(1, ch === '{' ? 'flow-map-start' : 'flow-seq-start');
        this.flowKey = false;
        this.flowLevel = 1;
        return 'flow';
      case '}':
      case ']':
        this.pushCount(1, ch === '}' ? 'flow-map-end' : 'flow-seq-end');
        return 'doc';
      case '*':
        this.pushUntil(isNotAnchorChar, 'alias');
        return 'doc';
      case '"':
      case "'":
        return this.parseQuotedScalar();
      case '|':
      case '>':
        this.parseBlockScalarHeader();
        this.pushSpaces(true);
        this.pushCount(lineEnd - this.pos, 'comment');
        this.pushNewline();
        return this.parseBlockScalar();
      default:
        return this.parsePlainScalar();
    }
  }

  private parseFlowCollection(): State {
    let indent = -1;
    for (;;) {
      const newline = this.pushNewline();
      let spaces = 0;
      if (newline > 0) {
        spaces = this.pushSpaces(false);
        this.indentValue = indent = spaces;
      }
      spaces += this.pushSpaces(true);
      if (newline + spaces === 0) break;
    }
    const lineEnd = this.lineEnd();
    const first = this.pos < lineEnd ? this.at(this.pos) : undefined;
    const docMarker = this.text.substr(this.pos, 3);
    if (
      (indent !== -1 && indent < this.indentNext && first !== '#') ||
      (indent === 0 && (docMarker === '---' || docMarker === '...') && isEmpty(this.pos + 3 < lineEnd ? this.at(this.pos + 3) : undefined))
    ) {
      // The Lexer tolerates a closing bracket at the indentation of the line that opened the collection.
      const atFlowEndMarker = indent === this.indentNext - 1 && this.flowLevel === 1 && (first === ']' || first === '}');
      if (!atFlowEndMarker) {
        this.flowLevel = 0;
        this.sink('flow-error-end', this.pos, this.pos);
        return this.parseLineStart();
      }
    }
    while (this.pos < lineEnd && this.at(this.pos) === ',') {
      this.pushCount(1, 'comma');
      this.pushSpaces(true);
      this.flowKey = false;
    }
    this.pushIndicators();
    const ch = this.pos < lineEnd ? this.at(this.pos) : undefined;
    switch (ch) {
      case undefined:
        return 'flow';
      case '#':
        this.pushCount(lineEnd - this.pos, 'comment');
        return 'flow';
      case '{':
      case '[':
        this.pushCount(1, ch === '{' ? 'flow-map-start' : 'flow-seq-start');
        this.flowKey = false;
        this.flowLevel += 1;
        return 'flow';
      case '}':
      case ']':
        this.pushCount(1, ch === '}' ? 'flow-map-end' : 'flow-seq-end');
        this.flowKey = true;
        this.flowLevel -= 1;
        return this.flowLevel ? 'flow' : 'doc';
      case '*':
        this.pushUntil(isNotAnchorChar, 'alias');
        return 'flow';
      case '"':
      case "'":
        this.flowKey = true;
        return this.parseQuotedScalar();
      case ':': {
        const next = this.at(this.pos + 1);
        if (this.flowKey || isEmpty(next) || next === ',') {
          this.flowKey = false;
          this.pushCount(1, 'map-value-ind');
          this.pushSpaces(true);
          return 'flow';
        }
        this.flowKey = false;
        return this.parsePlainScalar();
      }
      default:
        this.flowKey = false;
        return this.parsePlainScalar();
    }
  }

  private parseQuotedScalar(): State {
    const quote = this.at(this.pos);
    let end = this.text.indexOf(quote ?? '"', this.pos + 1);
    if (quote === "'") {
      while (end !== -1 && this.at(end + 1) === "'") end = this.text.indexOf("'", end + 2);
    } else {
      while (end !== -1) {
        let backslashes = 0;
        while (this.at(end - 1 - backslashes) === '\\') backslashes += 1;
        if (backslashes % 2 === 0) break;
        end = this.text.indexOf('"', end + 1);
      }
    }
    if (end === -1) {
      end = this.text.length;
    } else {
      // Only newlines inside the quotes count, and an under-indented line ends the scalar there (an error).
      let newline = this.newlineBefore(this.pos, end);
      while (newline !== -1) {
        const next = this.continueScalar(newline + 1);
        if (next === -1) break;
        newline = this.newlineBefore(next, end);
      }
      if (newline !== -1) end = newline - (this.at(newline - 1) === '\r' ? 2 : 1);
    }
    this.pushToIndex(end + 1, quote === "'" ? 'single-quoted-scalar' : 'double-quoted-scalar', false);
    return this.flowLevel ? 'flow' : 'doc';
  }

  /** Searches only up to `limit`: the text after a quoted scalar is scanned again by the tokens that follow it. */
  private newlineBefore(from: number, limit: number): number {
    for (let i = from; i < limit; i += 1) if (this.text.charCodeAt(i) === 10) return i;
    return -1;
  }

  private continueScalar(offset: number): number {
    let ch = this.at(offset);
    if (this.indentNext > 0) {
      let indent = 0;
      while (ch === ' ') ch = this.at(++indent + offset);
      if (ch === '\r' && this.at(indent + offset + 1) === '\n') return offset + indent + 1;
      return ch === '\n' || indent >= this.indentNext ? offset + indent : -1;
    }
    if (ch === '-' || ch === '.') {
      const marker = this.text.substr(offset, 3);
      if ((marker === '---' || marker === '...') && isEmpty(this.at(offset + 3))) return -1;
    }
    return offset;
  }

  private parseBlockScalarHeader(): void {
    this.blockScalarIndent = -1;
    this.blockScalarKeep = false;
    let i = this.pos;
    for (;;) {
      const ch = this.at(++i);
      if (ch === '+') this.blockScalarKeep = true;
      else if (ch !== undefined && ch > '0' && ch <= '9') this.blockScalarIndent = Number(ch) - 1;
      else if (ch !== '-') break;
    }
    this.pushUntil((ch) => isEmpty(ch) || ch === '#', 'block-scalar-header');
  }

  private parseBlockScalar(): State {
    let newline = this.pos - 1;
    let indent = 0;
    let ch: string | undefined;
    let i = this.pos;
    scan: for (; (ch = this.at(i)) !== undefined; i += 1) {
      switch (ch) {
        case ' ':
          indent += 1;
          break;
        case '\n':
          newline = i;
          indent = 0;
          break;
        case '\r':
          if (this.at(i + 1) === '\n') break;
          break scan;
        default:
          break scan;
      }
    }
    if (indent >= this.indentNext) {
      if (this.blockScalarIndent === -1) this.indentNext = indent;
      else this.indentNext = this.blockScalarIndent + (this.indentNext === 0 ? 1 : this.indentNext);
      do {
        const next = this.continueScalar(newline + 1);
        if (next === -1) break;
        newline = this.text.indexOf('\n', next);
      } while (newline !== -1);
      if (newline === -1) newline = this.text.length;
    }
    const end = Math.min(Math.max(this.pos, this.blockScalarEnd(newline, indent) + 1), this.text.length);
    this.sink('scalar', this.pos, end);
    this.pos = end;
    return this.parseLineStart();
  }

  /** Trailing tabs stay in the scalar (so the parser reports them); trailing blank lines leave it unless kept with "+". */
  private blockScalarEnd(newline: number, indent: number): number {
    let i = newline + 1;
    let ch = this.at(i);
    while (ch === ' ') ch = this.at(++i);
    if (ch === '\t') {
      while (ch === '\t' || ch === ' ' || ch === '\r' || ch === '\n') ch = this.at(++i);
      return i - 1;
    }
    if (this.blockScalarKeep) return newline;
    let end = newline;
    for (;;) {
      let j = end - 1;
      let before = this.at(j);
      if (before === '\r') before = this.at(--j);
      const lastChar = j;
      while (before === ' ') before = this.at(--j);
      if (before === '\n' && j >= this.pos && j + 1 + indent > lastChar) end = j;
      else return end;
    }
  }

  private parsePlainScalar(): State {
    const inFlow = this.flowLevel > 0;
    let end = this.pos - 1;
    let i = this.pos - 1;
    let ch: string | undefined;
    while ((ch = this.at(++i)) !== undefined) {
      if (ch === ':') {
        const next = this.at(i + 1);
        if (isEmpty(next) || (inFlow && next !== undefined && FLOW_INDICATORS.has(next))) break;
        end = i;
      } else if (isEmpty(ch)) {
        let next = this.at(i + 1);
        if (ch === '\r') {
          if (next === '\n') {
            i += 1;
            ch = '\n';
            next = this.at(i + 1);
          } else {
            end = i;
          }
        }
        if (next === '#' || (inFlow && next !== undefined && FLOW_INDICATORS.has(next))) break;
        if (ch === '\n') {
          const continued = this.continueScalar(i + 1);
          if (continued === -1) break;
          i = Math.max(i, continued - 2);
        }
      } else {
        if (inFlow && FLOW_INDICATORS.has(ch)) break;
        end = i;
      }
    }
    this.pushToIndex(end + 1, 'scalar', true);
    return inFlow ? 'flow' : 'doc';
  }

  private pushIndicators(): void {
    for (;;) {
      const ch = this.at(this.pos);
      if (ch === '!') {
        this.pushTag();
        this.pushSpaces(true);
      } else if (ch === '&') {
        this.pushUntil(isNotAnchorChar, 'anchor');
        this.pushSpaces(true);
      } else if (ch === '-' || ch === '?' || ch === ':') {
        const inFlow = this.flowLevel > 0;
        const next = this.at(this.pos + 1);
        if (!(isEmpty(next) || (inFlow && next !== undefined && FLOW_INDICATORS.has(next)))) return;
        if (!inFlow) this.indentNext = this.indentValue + 1;
        else if (this.flowKey) this.flowKey = false;
        this.pushCount(1, indicatorKind(ch));
        this.pushSpaces(true);
      } else {
        return;
      }
    }
  }

  private pushTag(): void {
    let i = this.pos + 1;
    let ch = this.at(i);
    if (ch === '<') {
      i += 1;
      ch = this.at(i);
      while (!isEmpty(ch) && ch !== '>') ch = this.at(++i);
      this.pushToIndex(ch === '>' ? i + 1 : i, 'tag', false);
      return;
    }
    while (ch !== undefined) {
      if (TAG_CHARS.has(ch)) ch = this.at(++i);
      else if (ch === '%' && HEX_DIGITS.has(this.at(i + 1) ?? '') && HEX_DIGITS.has(this.at(i + 2) ?? '')) ch = this.at((i += 3));
      else break;
    }
    this.pushToIndex(i, 'tag', false);
  }

  private pushNewline(): number {
    const ch = this.at(this.pos);
    if (ch === '\n') return this.pushCount(1, 'newline');
    if (ch === '\r' && this.at(this.pos + 1) === '\n') return this.pushCount(2, 'newline');
    return 0;
  }

  private pushSpaces(allowTabs: boolean): number {
    let i = this.pos;
    let ch = this.at(i);
    while (ch === ' ' || (allowTabs && ch === '\t')) ch = this.at(++i);
    const n = i - this.pos;
    if (n > 0) this.pushCount(n, 'space');
    return n;
  }

  private pushUntil(stop: (ch: string | undefined) => boolean, kind: YamlTokenKind): void {
    let i = this.pos;
    while (!stop(this.at(i))) i += 1;
    this.pushToIndex(i, kind, false);
  }

  private pushCount(n: number, kind: YamlTokenKind): number {
    if (n <= 0) return 0;
    const end = Math.min(this.pos + n, this.text.length);
    this.sink(kind, this.pos, end);
    const pushed = end - this.pos;
    this.pos = end;
    return pushed;
  }

  private pushToIndex(index: number, kind: YamlTokenKind, allowEmpty: boolean): void {
    const end = Math.min(index, this.text.length);
    if (end > this.pos) {
      this.sink(kind, this.pos, end);
      this.pos = end;
    } else if (allowEmpty) {
      this.sink(kind, this.pos, this.pos);
    }
  }
}

function indicatorKind(ch: string): YamlTokenKind {
  if (ch === '-') return 'seq-item-ind';
  if (ch === '?') return 'explicit-key-ind';
  return 'map-value-ind';
}
