import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import { TAGS, VERSION_SEARCH } from '../queries.js';
import { ActionBadge, Time } from './badges.js';

type Edges = NonNullable<NonNullable<Extract<ResultOf<typeof VERSION_SEARCH>['namespace'], { __typename: 'Namespace' }>['versions']>['edges']>;
type Found = NonNullable<NonNullable<Edges[number]>['node']>;

/** Versions listed per search: enough to see the neighbourhood, few enough to read. */
const RESULTS = 20;
/** Typing pauses this long before the server is asked: one request per word, not per key. */
const SEARCH_DELAY_MS = 200;

interface Choice {
  readonly hash: string;
  readonly label: string;
}

/**
 * Picks a version by what people remember of it: a word of its comment, who made it, a tag on it, or the start of
 * its hash (the server's `versions(search:)`). An ARIA combobox: type, arrows, Enter picks, Escape closes.
 * `path` narrows to one document's versions; `allowHead` offers "Latest" (no version: the head).
 */
export function VersionPicker({
  api,
  ns,
  path = null,
  label,
  value,
  onChange,
  allowHead = false,
}: {
  api: Api;
  ns: string;
  path?: string | null;
  label: string;
  value: string | null;
  onChange: (hash: string | undefined) => void;
  allowHead?: boolean;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const [found, setFound] = useState<{ state: 'loading' | 'done' | 'error'; items: readonly Found[]; error?: string }>({ state: 'loading', items: [] });
  const [tags, setTags] = useState<ReadonlyMap<string, string[]>>(new Map());
  const shownValue = useVersionLabel(api, ns, value, allowHead);
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!open) return;
    let current = true;
    setFound((f) => ({ ...f, state: 'loading' }));
    const timer = setTimeout(() => {
      void searchVersions(api, ns, path, text.trim()).then(
        (items) => current && setFound({ state: 'done', items }),
        (error: unknown) => current && setFound({ state: 'error', items: [], error: (error as Error).message }),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [open, text, api, ns, path]);
  useEffect(() => {
    if (open) void readTags(api, ns).then(setTags, () => undefined);
  }, [open, api, ns]);

  const choices: Choice[] = [
    ...(allowHead && !text.trim() ? [{ hash: '', label: 'Latest' }] : []),
    ...found.items.map((v) => ({ hash: v.hash ?? '', label: `${v.shortHash} · ${v.comment || 'no comment'}` })),
  ];
  const activeIndex = Math.min(active, choices.length - 1);
  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [activeIndex, open]);

  const close = (): void => {
    setOpen(false);
    setText('');
  };
  const pick = (choice: Choice): void => {
    close();
    onChange(choice.hash || undefined);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step) {
      e.preventDefault();
      if (!open) setOpen(true);
      else if (choices.length) setActive((activeIndex + step + choices.length) % choices.length);
    } else if (e.key === 'Enter' && open) {
      e.preventDefault();
      const choice = choices[activeIndex];
      if (choice && found.state === 'done') pick(choice);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    }
  };
  const optionId = (i: number): string => `${id}-option-${i}`;
  return (
    <div class="field inline version-picker" onFocusOut={(e) => !e.currentTarget.contains(e.relatedTarget as Node | null) && open && close()}>
      <label for={`${id}-input`}>{label}</label>
      <div class="version-combobox">
        <input
          id={`${id}-input`}
          type="text"
          role="combobox"
          aria-expanded={open}
          aria-controls={`${id}-listbox`}
          aria-autocomplete="list"
          aria-activedescendant={open && choices[activeIndex] ? optionId(activeIndex) : undefined}
          placeholder={open ? 'Comment, operator, tag or hash…' : shownValue}
          title={shownValue}
          autocomplete="off"
          spellcheck={false}
          value={open ? text : shownValue}
          onClick={() => setOpen(true)}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setActive(0);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
        />
        {open && (
          <div class="version-dropdown">
            <ul class="version-listbox" id={`${id}-listbox`} role="listbox" ref={list} aria-busy={found.state === 'loading'}>
              {choices.map((choice, i) => {
                const v = found.items.find((f) => f.hash === choice.hash);
                return (
                  <li
                    key={choice.hash || 'latest'}
                    id={optionId(i)}
                    role="option"
                    aria-selected={i === activeIndex}
                    data-hash={choice.hash}
                    class={`version-option${choice.hash === (value ?? '') ? ' current' : ''}`}
                    onMouseDown={(e) => {
                      e.preventDefault();
                      pick(choice);
                    }}
                  >
                    {v ? <VersionOption v={v} tags={tags.get(choice.hash) ?? []} /> : choice.label}
                  </li>
                );
              })}
            </ul>
            {found.state === 'loading' && <p class="version-note muted small">Searching…</p>}
            {found.state === 'error' && <p class="version-note alert alert-error small">{found.error}</p>}
            {found.state === 'done' && !found.items.length && <p class="version-note muted small">No version matches “{text.trim()}”.</p>}
          </div>
        )}
      </div>
    </div>
  );
}

function VersionOption({ v, tags }: { v: Found; tags: readonly string[] }) {
  return (
    <>
      <span class="version-option-head">
        <code class="hash">{v.shortHash}</code> <ActionBadge action={v.action} /> <span class="version-option-comment">{v.comment || 'no comment'}</span>
        {tags.map((t) => (
          <span key={t} class="tag">
            {t}
          </span>
        ))}
      </span>
      <span class="muted small">
        {v.operator?.name ?? v.operator?.email ?? 'unknown'} · <Time iso={v.timestamp} />
      </span>
    </>
  );
}

async function searchVersions(api: Api, ns: string, path: string | null, search: string): Promise<Found[]> {
  const namespace = (await api.request(VERSION_SEARCH, { ns, path, search: search || null, first: RESULTS, after: null })).namespace;
  if (namespace?.__typename !== 'Namespace')
    throw new Error(namespace && 'message' in namespace ? (namespace.message ?? 'unavailable') : 'Namespace not found');
  return (namespace.versions?.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
}

async function readTags(api: Api, ns: string): Promise<Map<string, string[]>> {
  const tags = (await api.request(TAGS, { ns })).tags;
  const byHash = new Map<string, string[]>();
  if (tags?.__typename !== 'TagsSuccess') return byHash;
  for (const tag of tags.data) {
    const hash = tag.target?.hash;
    if (hash && tag.name) byHash.set(hash, [...(byHash.get(hash) ?? []), tag.name]);
  }
  return byHash;
}

/** What the closed picker shows: the picked version's short hash and comment (read once per version). */
function useVersionLabel(api: Api, ns: string, value: string | null, allowHead: boolean): string {
  const [labels, setLabels] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    if (!value || labels.has(value)) return;
    let current = true;
    void searchVersions(api, ns, null, value).then(
      (items) => {
        const v = items.find((i) => i.hash === value);
        if (current && v) setLabels((m) => new Map(m).set(value, `${v.shortHash} · ${v.comment || 'no comment'}`));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, ns, value]);
  if (!value) return allowHead ? 'Latest' : '';
  return labels.get(value) ?? value.slice(0, 7);
}
