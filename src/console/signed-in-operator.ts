import { useRef } from 'preact/hooks';
import type { Api } from './api.js';
import type { Operator } from './permissions.js';
import { VIEWER } from './queries.js';
import { useLoad } from './use-query.js';

/**
 * Asks the server who the token is and its role in `ns`, again whenever the namespace changes. Until the answer for
 * this namespace arrives the role is undefined (never the previous namespace's), while the name stays on screen.
 * A failed read (the server restarting) keeps what was known.
 */
export function useSignedInOperator(api: Api, ns: string | null): Operator | null {
  const loaded = useLoad(async () => ({ ns, answer: await api.request(VIEWER, { ns: ns ?? '', inNamespace: ns !== null }) }), [api, ns]);
  const known = useRef<{ ns: string | null; operator: Operator } | null>(null);
  if (loaded.state === 'done' && loaded.data.answer.viewer) {
    const { name, email, role } = loaded.data.answer.viewer;
    known.current = { ns: loaded.data.ns, operator: { name: name ?? '', email: email ?? '', role: ns === null ? null : (role ?? null) } };
  }
  if (!known.current) return null;
  return known.current.ns === ns ? known.current.operator : { ...known.current.operator, role: undefined };
}
