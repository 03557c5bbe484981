/**
 * Past this many lines a document is shown as two plain texts (numbers, content): an element per line and per token
 * made a 1 MiB document (36,000 lines) take 9 s to show, the page frozen for seconds at a time.
 */
export const COLOURED_LINES = 3_000;

/** A stored document as text, with line numbers and light JSON/YAML colouring (keys, strings, numbers, literals). */
export function CodeBlock({ text, format }: { text: string; format: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length > COLOURED_LINES) {
    return (
      <pre class={`code code-plain format-${format.toLowerCase()}`} data-lines={lines.length}>
        <span class="code-gutter" aria-hidden="true">
          {lines.map((_, i) => i + 1).join('\n')}
        </span>
        <code class="code-text">{lines.join('\n')}</code>
      </pre>
    );
  }
  return (
    <pre class={`code format-${format.toLowerCase()}`}>
      <code>
        {lines.map((line, i) => (
          <span key={i} class="code-line">
            <span class="code-num">{i + 1}</span>
            <span class="code-text">{colour(line, format)}</span>
            {'\n'}
          </span>
        ))}
      </code>
    </pre>
  );
}

const JSON_TOKENS = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
const YAML_KEY = /^(\s*(?:-\s+)?)([^:#\s][^:#]*?)(:)(\s|$)/;

function colour(line: string, format: string) {
  if (format === 'YAML') {
    const key = YAML_KEY.exec(line);
    if (!key) return line;
    return (
      <>
        {key[1]}
        <span class="tok-key">{key[2]}</span>
        {key[3]}
        {line.slice(key[0].length - (key[4]?.length ?? 0))}
      </>
    );
  }
  const parts: (string | preact.JSX.Element)[] = [];
  let last = 0;
  for (const match of line.matchAll(JSON_TOKENS)) {
    const index = match.index ?? 0;
    parts.push(line.slice(last, index));
    const [whole, string, colon, number, literal] = match;
    if (string) parts.push(<span class={colon ? 'tok-key' : 'tok-string'}>{string}</span>, colon ?? '');
    else if (number) parts.push(<span class="tok-number">{number}</span>);
    else if (literal) parts.push(<span class="tok-literal">{literal}</span>);
    last = index + whole.length;
  }
  parts.push(line.slice(last));
  return parts;
}
