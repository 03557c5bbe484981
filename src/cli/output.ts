import type { CliError } from './errors.js';

/** How results reach the user: JSON for scripts, or text for people (colored only on a terminal, never with NO_COLOR). */
export class Output {
  readonly color: boolean;

  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.color = !json && stdout.isTTY === true && !env.NO_COLOR;
  }

  /** One JSON document (a line) on stdout. */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  raw(text: string): void {
    this.stdout.write(text);
  }

  /** Notes for people (progress, skipped files, reconnections): stderr, so stdout stays the result. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** With --json the error is a JSON line on stdout, where the script reads results; otherwise a message on stderr. */
  error(error: CliError): void {
    if (this.json) this.data({ error: error.toJSON() });
    else this.stderr.write(`cairn: ${error.message}${error.type === 'Usage' || error.type === 'Unexpected' ? '' : ` (${error.type})`}\n`);
  }

  red = (text: string): string => this.paint(31, text);
  green = (text: string): string => this.paint(32, text);
  yellow = (text: string): string => this.paint(33, text);
  cyan = (text: string): string => this.paint(36, text);
  bold = (text: string): string => this.paint(1, text);
  dim = (text: string): string => this.paint(2, text);

  private paint(code: number, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  /** Left-aligned columns; the last column is never padded. */
  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const format = (cells: readonly string[]): string =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    this.line(this.bold(format(headers)));
    for (const row of rows) this.line(format(row));
  }

  /** A unified diff, with added lines green, removed lines red and hunk headers cyan on a terminal. */
  diff(unified: string): void {
    for (const line of unified.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('+++') || line.startsWith('---')) this.line(this.bold(line));
      else if (line.startsWith('+')) this.line(this.green(line));
      else if (line.startsWith('-')) this.line(this.red(line));
      else if (line.startsWith('@@')) this.line(this.cyan(line));
      else this.line(line);
    }
  }
}

/** First line of a comment, for one-line listings. */
export function firstLine(text: string | null | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}

export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}
