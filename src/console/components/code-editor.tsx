import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, linter, lintGutter, lintKeymap } from '@codemirror/lint';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';
import type { Format } from '../document-lint.js';

/** How long typing pauses before the text is checked again: a schema check per keystroke would lag on large documents. */
const LINT_DELAY_MS = 250;

/**
 * CodeMirror styles itself at run time. In a document it adds <style> elements, which the console's CSP
 * (style-src 'self') blocks; in a shadow root it uses constructable stylesheets, which CSP allows. So the editor
 * lives in a shadow root of its host, and its look is set here rather than in styles.css, which does not reach in.
 */
const LOOK = EditorView.theme({
  '&': { maxHeight: '65vh', fontSize: '13px', backgroundColor: '#fff' },
  '&.cm-focused': { outline: '2px solid var(--accent-soft)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '20px' },
  '.cm-gutters': { backgroundColor: '#fbfbfc', borderRight: '1px solid var(--border)' },
  '.cm-schema-hover': { padding: '4px 8px', maxWidth: '420px', fontSize: '12px' },
});

/**
 * A CodeMirror 6 editor for one JSON or YAML text. CodeMirror owns the text while it is mounted: `text` is only
 * the starting point (remount with a new key to load another), and every change is reported through `onChange`.
 */
export function CodeEditor({
  text,
  format,
  check,
  assist,
  onChange,
}: {
  text: string;
  format: Format;
  check: (text: string) => Diagnostic[];
  /** Completion and hover help for this document (from its schemas), set up once with the editor. */
  assist: Extension[];
  onChange: (text: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  // The latest callbacks, read by the editor's extensions, which are created once.
  const latest = useRef({ check, onChange });
  latest.current = { check, onChange };
  useEffect(() => {
    if (!host.current) return;
    const root = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    const view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: text,
        extensions: [
          LOOK,
          lineNumbers(),
          foldGutter(),
          lintGutter(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          format === 'JSON' ? json() : yaml(),
          assist,
          linter((v) => latest.current.check(v.state.doc.toString()), { delay: LINT_DELAY_MS }),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...lintKeymap, indentWithTab]),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': 'Document text' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, []);
  return <div class="code-editor" ref={host} data-testid="code-editor" />;
}
