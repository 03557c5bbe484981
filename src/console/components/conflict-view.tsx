import { useState } from 'preact/hooks';
import { parse, parseDocument } from 'yaml';
import type { Api } from '../api.js';
import type { Format } from '../document-lint.js';
import { EDITABLE_DOCUMENT } from '../queries.js';
import { ABSENT, type Choice, type ValueChange, merged, resolved, segmentsOf, threeWay } from '../three-way.js';
import { useLoad } from '../use-query.js';
import { Hash } from './badges.js';

/**
 * Someone committed the document while it was being edited: the save was refused (VersionConflict), nothing was
 * lost. Shows each value that differs between the version opened (base), yours and theirs, lets the user pick a side
 * where both changed it, and loads the result into the editor, now based on theirs, to save again.
 */
export function ConflictView({
  api,
  ns,
  path,
  format,
  base,
  yours,
  onLoad,
}: {
  api: Api;
  ns: string;
  path: string;
  format: Format;
  base: string;
  yours: string;
  onLoad: (text: string, base: string, baseText: string) => void;
}) {
  const loaded = useLoad(async () => {
    const [opened, head] = await Promise.all([documentAt(api, ns, path, base), documentAt(api, ns, path, null)]);
    return { opened, head };
  }, [api, ns, path, base]);
  if (loaded.state === 'loading') return <p class="muted">Reading the version that was committed meanwhile…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error">{loaded.error.message}</p>;
  const { opened, head } = loaded.data;
  return (
    <div class="conflict-view" data-testid="version-conflict">
      <p class="alert alert-error">
        <strong>{head.by ?? 'Someone'} saved this document while you edited it</strong>
        {head.comment && <> (“{head.comment}”)</>}: it is now at <Hash value={head.hash.slice(0, 7)} />, you opened <Hash value={base.slice(0, 7)} />. Nothing
        was committed and your text is still in the editor. Pick what to keep below, then save again.
      </p>
      <Values theirs={head} changes={threeWay(parsed(opened.text), parsed(yours), parsed(head.text))} format={format} onLoad={onLoad} />
      <div class="conflict-texts">
        <TextColumn title="Yours" text={yours} />
        <TextColumn title={`Theirs (${head.hash.slice(0, 7)})`} text={head.text} />
      </div>
      <div class="form-actions">
        <button class="button" type="button" onClick={() => onLoad(head.text, head.hash, head.text)}>
          Reload theirs (discard yours)
        </button>
      </div>
    </div>
  );
}

interface Read {
  readonly text: string;
  readonly hash: string;
  /** Who made this version, and why. */
  readonly by?: string | null;
  readonly comment?: string | null;
}

async function documentAt(api: Api, ns: string, path: string, at: string | null): Promise<Read> {
  const data = await api.request(EDITABLE_DOCUMENT, { ns, path, at });
  const config = data.namespace?.__typename === 'Namespace' ? data.namespace.config : null;
  // Deleted meanwhile: theirs is empty, and saving yours creates it again.
  if (config?.__typename !== 'ConfigDocument') return { text: '', hash: at ?? '' };
  return { text: config.text ?? '', hash: config.at?.hash ?? '', by: config.version?.operator?.name, comment: config.version?.comment };
}

function parsed(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return ABSENT;
  }
}

function Values({
  theirs,
  changes,
  format,
  onLoad,
}: {
  theirs: Read;
  changes: ValueChange[];
  format: Format;
  onLoad: (text: string, base: string, baseText: string) => void;
}) {
  const [choices, setChoices] = useState<ReadonlyMap<string, Choice>>(new Map());
  const conflicts = changes.filter((c) => c.conflict).length;
  const apply = (): void => onLoad(mergedText(theirs.text, changes, choices, format), theirs.hash, theirs.text);
  return (
    <>
      <table class="three-way" data-testid="three-way">
        <thead>
          <tr>
            <th>Value</th>
            <th>Base</th>
            <th>Yours</th>
            <th>Theirs</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <ValueRow
              key={change.pointer}
              change={change}
              choice={choices.get(change.pointer) ?? 'yours'}
              onChoose={(c) => setChoices(new Map(choices).set(change.pointer, c))}
            />
          ))}
        </tbody>
      </table>
      <div class="form-actions">
        <span class="muted small">
          {conflicts} value{conflicts === 1 ? '' : 's'} changed on both sides; values only one side changed are kept from that side.
        </span>
        <button class="button primary" type="button" onClick={apply}>
          Load the merge into the editor
        </button>
      </div>
    </>
  );
}

/** YAML keeps theirs' comments and layout, the resolved values set into it; JSON is written anew, two-space indented. */
function mergedText(theirs: string, changes: readonly ValueChange[], choices: ReadonlyMap<string, Choice>, format: Format): string {
  if (format === 'JSON') return `${JSON.stringify(merged(parsed(theirs), changes, choices), null, 2)}\n`;
  const doc = parseDocument(theirs);
  for (const { pointer, value } of resolved(changes, choices)) {
    if (value === ABSENT) doc.deleteIn(segmentsOf(pointer));
    else doc.setIn(segmentsOf(pointer), value);
  }
  return doc.toString();
}

function ValueRow({ change, choice, onChoose }: { change: ValueChange; choice: Choice; onChoose: (choice: Choice) => void }) {
  const side = (which: Choice) =>
    change.conflict ? (
      <label class="choice">
        <input
          type="radio"
          name={`pick-${change.pointer}`}
          checked={choice === which}
          onChange={() => onChoose(which)}
          aria-label={`Keep ${which} for ${change.pointer || '/'}`}
        />
        <ValueText value={change[which]} />
      </label>
    ) : (
      <ValueText value={change[which]} />
    );
  return (
    <tr class={change.conflict ? 'conflict-row' : ''}>
      <td>
        <code>{change.pointer || '/'}</code>
      </td>
      <td>
        <ValueText value={change.base} />
      </td>
      <td>{side('yours')}</td>
      <td>{side('theirs')}</td>
    </tr>
  );
}

function ValueText({ value }: { value: unknown }) {
  if (value === ABSENT) return <span class="muted small">absent</span>;
  return <code class="value">{JSON.stringify(value)}</code>;
}

function TextColumn({ title, text }: { title: string; text: string }) {
  return (
    <div class="conflict-text">
      <h3 class="panel-title">{title}</h3>
      <pre class="code">{text}</pre>
    </div>
  );
}
