import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Api, type Refusal, createApi } from './api.js';
import { Logo } from './components/logo.js';
import { DocumentTree } from './components/document-tree.js';
import { NamespacePicker } from './components/namespace-picker.js';
import { NewNamespaceButton, NewNamespaceForm, useMayCreateNamespaces } from './components/new-namespace.js';
import type { ResultOf } from './graphql.js';
import { MAX_PAGE_SIZE, pageSize } from './page-size.js';
import { NAMESPACES } from './queries.js';
import { pageTitle, useTitle } from './page-title.js';
import { ALL_AUDIT, type Route, href, navigate, redirectFromHome, useRoute } from './route.js';
import { useLoad } from './use-query.js';
import { LiveFeed, useChangeFeed } from './live-feed.js';
import { type Operator, OperatorContext, hasRole, mayWrite } from './permissions.js';
import { useSignedInOperator } from './signed-in-operator.js';
import { AllAuditView } from './views/all-audit-view.js';
import { AuditView } from './views/audit-view.js';
import { CompareView } from './views/compare-view.js';
import { EnvironmentsView } from './views/environments-view.js';
import { DocumentView } from './views/document-view.js';
import { NamespaceHome } from './views/namespace-home.js';
import { NewDocumentView } from './views/new-document-view.js';
import { PolicyView } from './views/policy-view.js';
import { ProposalsView } from './views/proposals-view.js';
import { RevertView } from './views/revert-view.js';
import { RollbackView } from './views/rollback-view.js';
import { SchemasView } from './views/schemas-view.js';
import { VersionsView } from './views/versions-view.js';
import { WebhooksView } from './views/webhooks-view.js';

/** How often the namespace list is read again: namespaces are created elsewhere, and no feed announces them. */
const NAMESPACE_POLL_MS = 15_000;

const SIGNED_OUT: Record<Refusal, string> = {
  http: 'The server no longer accepts this token: sign in again.',
  websocket: 'The server closed the live feed because it no longer accepts this token (revoked?): sign in again.',
};

/** The signed-in console: namespace and document navigation on the left, the view, the live feed on the right. */
export function Shell({ token, onSignOut }: { token: string; onSignOut: (reason: string | null) => void }) {
  const api = useMemo(() => createApi(token, (via) => onSignOut(SIGNED_OUT[via])), [token]);
  useEffect(() => () => api.close(), [api]);
  const route = useRoute();
  useTitle(pageTitle(route));
  const [namespacesRead, readNamespaces] = useState(0);
  const reread = (): void => readNamespaces((n) => n + 1);
  useEffect(() => {
    const timer = setInterval(reread, NAMESPACE_POLL_MS);
    addEventListener('focus', reread);
    return () => {
      clearInterval(timer);
      removeEventListener('focus', reread);
    };
  }, []);
  const namespaces = useLoad(() => allNamespaces(api), [api, namespacesRead]);
  // A failed re-read (the server restarting) keeps the list it had.
  const known = useRef<string[]>([]);
  if (namespaces.state === 'done') known.current = namespaces.data;
  const names = known.current;
  const ns = route.view === 'home' || route.view === 'all-audit' ? null : route.ns;
  useEffect(() => {
    const first = names[0];
    if (route.view === 'home' && first) redirectFromHome(href(first));
  }, [route.view, names.join(',')]);
  const mayCreate = useMayCreateNamespaces(api);
  const created = (name: string): void => {
    reread();
    navigate(href(name));
  };
  const feed = useChangeFeed(api, ns);
  const operator = useSignedInOperator(api, ns);
  return (
    <OperatorContext.Provider value={operator}>
      <div class="shell">
        <header class="topbar">
          <a class="brand" href="#/">
            <Logo /> <span>Cairn</span>
          </a>
          <div class="ns-picker">
            <span class="muted">Namespace</span>
            <NamespacePicker names={names} current={ns} onOpen={reread} onPick={(name) => navigate(href(name))} />
            {mayCreate && <NewNamespaceButton api={api} onCreated={created} />}
          </div>
          <span class="spacer" />
          <a class={`button ghost small${route.view === 'all-audit' ? ' active' : ''}`} href={ALL_AUDIT}>
            All audit
          </a>
          <Identity operator={operator} ns={ns} />
          {!token && <span class="muted small">Development server (no token)</span>}
          {/* rel=opener: the new tab gets a copy of this tab's sessionStorage, where the token is (GraphiQL starts signed in). */}
          <a class="button ghost small" href="/graphql" target="_blank" rel="opener">
            GraphiQL
          </a>
          <button class="button ghost small" type="button" onClick={() => onSignOut(null)}>
            Sign out
          </button>
        </header>
        {route.view === 'all-audit' ? (
          <main class="content wide">
            <AllAuditView api={api} params={route.params} />
          </main>
        ) : ns ? (
          <>
            <nav class="sidebar">
              <NavLinks ns={ns} route={route} operator={operator} />
              {mayWrite(operator) && (
                <a class="button small new-document-link" href={href(ns, 'new')}>
                  + New document
                </a>
              )}
              <DocumentTree api={api} ns={ns} revision={feed.revision} selected={route.view === 'documents' ? route.path : null} />
            </nav>
            <main class="content">
              <View api={api} route={route} revision={feed.revision} />
            </main>
            <LiveFeed api={api} feed={feed} ns={ns} />
          </>
        ) : (
          <main class="content empty-state">
            {namespaces.state === 'loading' && <p>Loading namespaces…</p>}
            {namespaces.state === 'error' && <p class="alert alert-error">{namespaces.error.message}</p>}
            {namespaces.state === 'done' && !names.length && (
              <div class="first-namespace">
                <p>No namespaces yet.</p>
                {mayCreate ? <NewNamespaceForm api={api} onCreated={created} /> : <p class="muted">An admin creates them (createNamespace).</p>}
              </div>
            )}
          </main>
        )}
      </div>
    </OperatorContext.Provider>
  );
}

/** Who is signed in, and their role in the namespace shown. */
function Identity({ operator, ns }: { operator: Operator | null; ns: string | null }) {
  if (!operator) return null;
  return (
    <span class="identity" data-testid="identity">
      <span class="identity-who">
        <span class="identity-name">{operator.name}</span>
        <span class="identity-email muted small">{operator.email}</span>
      </span>
      {ns && operator.role !== undefined && (
        <span
          class={`badge role role-${operator.role?.toLowerCase() ?? 'none'}`}
          data-testid="role"
          title={`Your role in ${ns}`}
          aria-label={`Your role in ${ns}: ${operator.role?.toLowerCase() ?? 'none'}`}
        >
          {operator.role?.toLowerCase() ?? 'no role'}
        </span>
      )}
    </span>
  );
}

function NavLinks({ ns, route, operator }: { ns: string; route: Route; operator: Operator | null }) {
  const link = (label: string, target: string, active: boolean) => (
    <a class={`nav-link${active ? ' active' : ''}`} href={target}>
      {label}
    </a>
  );
  return (
    <div class="nav-links">
      {link('Documents', href(ns), route.view === 'documents')}
      {link('Versions', href(ns, 'versions'), route.view === 'versions')}
      {/* Previews are dry runs, which the server computes for editors only. */}
      {mayWrite(operator) && link('Roll back', href(ns, 'rollback'), route.view === 'rollback')}
      {mayWrite(operator) && link('Revert', href(ns, 'revert'), route.view === 'revert')}
      {link('Change requests', href(ns, 'proposals'), route.view === 'proposals')}
      {link('Environments', href(ns, 'environments'), route.view === 'environments')}
      {link('Audit log', href(ns, 'audit'), route.view === 'audit')}
      {link('Compare', href(ns, 'compare'), route.view === 'compare')}
      {link('Policy', href(ns, 'policy'), route.view === 'policy')}
      {link('Schemas', href(ns, 'schemas'), route.view === 'schemas')}
      {/* Webhooks are an admin's: the server refuses everyone else. */}
      {hasRole(operator, 'ADMIN') && link('Webhooks', href(ns, 'webhooks'), route.view === 'webhooks')}
    </div>
  );
}

function View({ api, route, revision }: { api: Api; route: Route; revision: number }) {
  switch (route.view) {
    case 'home':
    case 'all-audit':
      return null;
    case 'documents':
      return route.path ? (
        <DocumentView key={`${route.ns}/${route.path}`} api={api} ns={route.ns} path={route.path} params={route.params} revision={revision} />
      ) : (
        <NamespaceHome api={api} ns={route.ns} revision={revision} />
      );
    case 'versions':
      return <VersionsView key={route.ns} api={api} ns={route.ns} revision={revision} />;
    case 'proposals':
      return <ProposalsView key={route.ns} api={api} ns={route.ns} params={route.params} revision={revision} />;
    case 'audit':
      return <AuditView key={route.ns} api={api} ns={route.ns} revision={revision} />;
    case 'environments':
      return <EnvironmentsView key={route.ns} api={api} ns={route.ns} revision={revision} />;
    case 'rollback':
      return <RollbackView key={route.ns} api={api} ns={route.ns} params={route.params} revision={revision} />;
    case 'revert':
      return <RevertView key={route.ns} api={api} ns={route.ns} params={route.params} revision={revision} />;
    case 'new':
      return <NewDocumentView key={route.ns} api={api} ns={route.ns} params={route.params} />;
    case 'compare':
      return <CompareView key={route.ns} api={api} ns={route.ns} params={route.params} />;
    case 'webhooks':
      return <WebhooksView key={route.ns} api={api} ns={route.ns} params={route.params} />;
    case 'policy':
      return <PolicyView key={route.ns} api={api} ns={route.ns} revision={revision} />;
    case 'schemas':
      return <SchemasView key={route.ns} api={api} ns={route.ns} revision={revision} />;
  }
}

/** Every namespace the token may read, page by page (a server may hold more than one page of them). */
async function allNamespaces(api: Api): Promise<string[]> {
  const names: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: ResultOf<typeof NAMESPACES> = await api.request(NAMESPACES, { first: pageSize(MAX_PAGE_SIZE), after });
    names.push(...(page.namespaces?.edges ?? []).flatMap((e) => (e?.node?.name ? [e.node.name] : [])));
    const info = page.namespaces?.pageInfo;
    if (!info?.hasNextPage || !info.endCursor) return names;
    after = info.endCursor;
  }
}
