export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, counted in UTF-16 code units like the YAML parser does, so both formats agree. */
  readonly column: number;
}

export function positionAt(text: string, offset: number): TextPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let newline = text.indexOf('\n'); newline !== -1 && newline < clamped; newline = text.indexOf('\n', newline + 1)) {
    line += 1;
    lineStart = newline + 1;
  }
  return { line, column: clamped - lineStart + 1 };
}
