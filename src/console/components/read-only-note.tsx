import { type Operator, mayWrite, useOperator } from '../permissions.js';

/**
 * Says why the write controls of a view are missing, once the role is known and is below editor: an operator who
 * expects a button should learn it is their role, not a fault.
 */
export function ReadOnlyNote({ ns, children }: { ns: string; children: preact.ComponentChildren }) {
  const operator = useOperator();
  if (!operator || operator.role === undefined || mayWrite(operator)) return null;
  return (
    <p class="alert alert-info small read-only-note" role="note" data-testid="read-only-note">
      {roleText(operator, ns)} {children}
    </p>
  );
}

function roleText(operator: Operator, ns: string): preact.ComponentChildren {
  return operator.role ? (
    <>
      You are a <strong>{operator.role.toLowerCase()}</strong> in <strong>{ns}</strong>:
    </>
  ) : (
    <>
      You have no role in <strong>{ns}</strong>:
    </>
  );
}

/**
 * Renders its children (a write flow) for editors only; anyone else reads why instead. Nothing inside runs before
 * the role is known, so a viewer's console never sends a write, or a dry run, the server would refuse.
 */
export function EditorsOnly({ ns, why, children }: { ns: string; why: preact.ComponentChildren; children: preact.ComponentChildren }) {
  const operator = useOperator();
  if (!operator || operator.role === undefined) return <p class="muted">Loading…</p>;
  if (!mayWrite(operator)) return <ReadOnlyNote ns={ns}>{why}</ReadOnlyNote>;
  return <>{children}</>;
}
