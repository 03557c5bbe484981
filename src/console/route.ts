import { useEffect, useState } from 'preact/hooks';
import { mayLeave } from './leave-guard.js';

/**
 * Where the console is, kept in the URL hash (`#/ns/app/doc/services/api.json?tab=diff`): links and reloads work,
 * and the server serves one page for every view.
 */
export type Route =
  | { readonly view: 'home' }
  | { readonly view: 'all-audit'; readonly params: URLSearchParams }
  | { readonly view: 'documents'; readonly ns: string; readonly path: string | null; readonly params: URLSearchParams }
  | { readonly view: NamespaceView; readonly ns: string; readonly params: URLSearchParams };

type NamespaceView = 'versions' | 'audit' | 'rollback' | 'revert' | 'proposals' | 'environments' | 'new' | 'compare' | 'webhooks' | 'policy' | 'schemas';
const NAMESPACE_VIEWS: readonly string[] = [
  'versions',
  'audit',
  'rollback',
  'revert',
  'proposals',
  'environments',
  'new',
  'compare',
  'webhooks',
  'policy',
  'schemas',
] satisfies NamespaceView[];

/** The audit log across every namespace one may read: not inside a namespace. */
export const ALL_AUDIT = '#/audit';

export function parseRoute(hash: string): Route {
  const [pathPart = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const segments = pathPart.split('/').filter(Boolean).map(decodeSegment);
  const params = new URLSearchParams(query);
  const [root, ns, view, ...rest] = segments;
  if (root === 'audit' && !ns) return { view: 'all-audit', params };
  if (root !== 'ns' || !ns) return { view: 'home' };
  if (view && NAMESPACE_VIEWS.includes(view)) return { view: view as NamespaceView, ns, params };
  return { view: 'documents', ns, path: view === 'doc' && rest.length ? rest.join('/') : null, params };
}

/** A segment as written when it is not valid percent-encoding (a hand-edited or truncated link): no crash. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function href(ns: string, view?: NamespaceView | { doc: string }, params: Record<string, string | undefined> = {}): string {
  let path = `#/ns/${encodeURIComponent(ns)}`;
  if (typeof view === 'string') path += `/${view}`;
  else if (view) path += `/doc/${view.doc.split('/').map(encodeURIComponent).join('/')}`;
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, '');
}

/**
 * From the start page to a namespace, without a history entry, and only if the address still is the start page: a
 * link opened (or typed) while the namespace list loaded wins over this default.
 */
export function redirectFromHome(to: string): void {
  if (parseRoute(location.hash).view !== 'home') return;
  history.replaceState(history.state, '', `${location.pathname}${location.search}${to}`);
  dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    let shown = location.hash;
    const update = (): void => {
      // Unsaved text would be lost: the reader may stay, on the address they were on.
      if (!mayLeave(location.hash)) {
        history.replaceState(history.state, '', `${location.pathname}${location.search}${shown}`);
        return;
      }
      shown = location.hash;
      setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
