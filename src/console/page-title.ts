import { useEffect } from 'preact/hooks';
import type { Route } from './route.js';

const VIEW_TITLES: Record<Exclude<Route['view'], 'home' | 'documents' | 'all-audit'>, string> = {
  versions: 'Versions',
  audit: 'Audit log',
  rollback: 'Roll back',
  revert: 'Revert',
  environments: 'Environments',
  proposals: 'Change requests',
  new: 'New document',
  compare: 'Compare',
  webhooks: 'Webhooks',
  policy: 'Policy',
  schemas: 'Schemas',
};
const TAB_TITLES: Readonly<Record<string, string>> = { content: 'Content', edit: 'Edit', blame: 'Blame', history: 'History', diff: 'Diff' };

/** Where the console is, most specific first, as tabs, bookmarks and the browser's history list show it. */
export function pageTitle(route: Route): string {
  if (route.view === 'home') return 'Cairn';
  if (route.view === 'all-audit') return 'Audit log · all namespaces · Cairn';
  if (route.view !== 'documents') return `${VIEW_TITLES[route.view]} · ${route.ns} · Cairn`;
  if (!route.path) return `${route.ns} · Cairn`;
  return `${route.path} · ${TAB_TITLES[route.params.get('tab') ?? ''] ?? 'Content'} · ${route.ns} · Cairn`;
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
