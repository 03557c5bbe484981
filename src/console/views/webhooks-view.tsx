import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { WebhookDeliveries } from '../components/webhook-deliveries.js';
import { NEW_WEBHOOK, WebhookForm, type WebhookDraft, environmentsOf } from '../components/webhook-form.js';
import { formatTime } from '../format.js';
import type { ResultOf } from '../graphql.js';
import { CREATE_WEBHOOK, DELETE_WEBHOOK, ROTATE_WEBHOOK_SECRET, UPDATE_WEBHOOK, WEBHOOKS } from '../queries.js';
import { href, navigate } from '../route.js';
import { useLoad } from '../use-query.js';

type Hook = NonNullable<Extract<NonNullable<ResultOf<typeof WEBHOOKS>['webhooks']>, { __typename: 'WebhooksSuccess' }>['data']>[number];

/** Deliveries happen after the commit, on the server's schedule, and no feed announces them: the page reads again. */
const POLL_MS = 3_000;

/** A secret just created or rotated: the only time it is shown. */
interface ShownSecret {
  readonly id: string;
  readonly secret: string;
  readonly rotated: boolean;
}

/** What is asked to be confirmed: rotating a webhook's secret or deleting it. */
interface Confirming {
  readonly id: string;
  readonly what: 'rotate' | 'delete';
}

/** A typed refusal's message, with what was wrong with the URL when that is why. */
function refusal(result: { __typename: string; message?: string | null; reason?: string | null } | null | undefined): string {
  if (!result) return 'No answer';
  return [result.message, result.reason].filter(Boolean).join(': ') || result.__typename;
}

/**
 * The namespace's webhooks (admins): each with its filter, whether it is active and how its last delivery went;
 * create, change, rotate the secret, delete; a webhook's deliveries (`?webhook=<id>`) with Redeliver.
 */
export function WebhooksView({ api, ns, params }: { api: Api; ns: string; params: URLSearchParams }) {
  const [tick, setTick] = useState(0);
  const [changed, setChanged] = useState(0);
  const [secret, setSecret] = useState<ShownSecret | null>(null);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const hooks = useLoad(async () => {
    const result = (await api.request(WEBHOOKS, { ns })).webhooks;
    if (result?.__typename !== 'WebhooksSuccess') throw new Error(refusal(result));
    return result.data;
  }, [api, ns, tick, changed]);
  const selected = params.get('webhook');
  const done = (): void => setChanged((n) => n + 1);
  const fail = (key: string, message: string | null): void => setErrors((e) => ({ ...e, [key]: message }));

  const create = async (draft: WebhookDraft): Promise<boolean> => {
    const input = {
      namespace: ns,
      url: draft.url,
      pathPrefix: draft.pathPrefix || undefined,
      actions: [...draft.actions],
      environments: environmentsOf(draft),
    };
    const result = (await api.request(CREATE_WEBHOOK, { input }).catch((e: Error) => ({ createWebhook: { __typename: 'Error', message: e.message } as const })))
      .createWebhook;
    if (result?.__typename !== 'WebhookSecretPayload') return (fail('create', refusal(result)), false);
    fail('create', null);
    setSecret({ id: result.webhook?.id ?? '', secret: result.secret ?? '', rotated: false });
    done();
    return true;
  };
  const update = async (hook: Hook, draft: WebhookDraft): Promise<boolean> => {
    const input = {
      id: hook.id ?? '',
      url: draft.url,
      // An empty field clears the filter (null), as the API reads it.
      pathPrefix: draft.pathPrefix || null,
      actions: draft.actions.length ? [...draft.actions] : null,
      environments: environmentsOf(draft).length ? environmentsOf(draft) : null,
      enabled: draft.enabled,
    };
    const result = (await api.request(UPDATE_WEBHOOK, { input }).catch((e: Error) => ({ updateWebhook: { __typename: 'Error', message: e.message } as const })))
      .updateWebhook;
    if (result?.__typename !== 'Webhook') return (fail(input.id, refusal(result)), false);
    fail(input.id, null);
    setEditing(null);
    done();
    return true;
  };
  const act = async ({ id, what }: Confirming): Promise<void> => {
    setConfirming(null);
    try {
      if (what === 'rotate') {
        const result = (await api.request(ROTATE_WEBHOOK_SECRET, { id })).rotateWebhookSecret;
        if (result?.__typename !== 'WebhookSecretPayload') return fail(id, refusal(result));
        setSecret({ id, secret: result.secret ?? '', rotated: true });
      } else {
        const result = (await api.request(DELETE_WEBHOOK, { id })).deleteWebhook;
        if (result?.__typename !== 'DeletedWebhook') return fail(id, refusal(result));
        if (selected === id) navigate(href(ns, 'webhooks'));
      }
      fail(id, null);
    } catch (error) {
      fail(id, (error as Error).message);
    }
    done();
  };

  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Webhooks</h1>
          <p class="muted small">Signed HTTP deliveries (Standard Webhooks) of this namespace's commits, in order, retried until they land.</p>
        </div>
      </header>
      {secret && <SecretNotice secret={secret} onDone={() => setSecret(null)} />}
      <div class="panel">
        <h2 class="panel-title">New webhook</h2>
        <WebhookForm
          initial={NEW_WEBHOOK}
          label="New webhook"
          submitLabel="Create webhook"
          withEnabled={false}
          error={errors.create ?? null}
          onSubmit={create}
        />
      </div>
      <div class="panel">
        {hooks.state === 'loading' && <p class="muted small">Loading webhooks…</p>}
        {hooks.state === 'error' && <p class="alert alert-error">{hooks.error.message}</p>}
        {hooks.state === 'done' && !hooks.data.length && <p class="muted">No webhooks yet.</p>}
        {hooks.state === 'done' && hooks.data.length > 0 && (
          <table class="audit webhooks">
            <thead>
              <tr>
                <th>URL</th>
                <th>Delivers</th>
                <th>Status</th>
                <th>Last delivery</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {hooks.data.map((hook) => (
                <WebhookRow
                  key={hook.id}
                  ns={ns}
                  hook={hook}
                  selected={selected === hook.id}
                  editing={editing === hook.id}
                  confirming={confirming?.id === hook.id ? confirming.what : null}
                  error={errors[hook.id ?? ''] ?? null}
                  onEdit={(on) => setEditing(on ? (hook.id ?? null) : null)}
                  onUpdate={(draft) => update(hook, draft)}
                  onAsk={(what) => setConfirming(what ? { id: hook.id ?? '', what } : null)}
                  onConfirm={() => confirming && void act(confirming)}
                />
              ))}
            </tbody>
          </table>
        )}
      </div>
      {selected && (
        <div class="panel">
          <h2 class="panel-title">Deliveries of {hooks.state === 'done' ? (hooks.data.find((h) => h.id === selected)?.url ?? selected) : selected}</h2>
          <WebhookDeliveries api={api} id={selected} tick={tick + changed} />
        </div>
      )}
    </section>
  );
}

function SecretNotice({ secret, onDone }: { secret: ShownSecret; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div class="alert alert-info webhook-secret" role="status" data-testid="webhook-secret-notice">
      <p>
        {secret.rotated ? 'New secret' : 'Secret'} for this webhook: store it now, it is never shown again.
        {secret.rotated && ' Deliveries are also signed with the previous secret for 24 hours.'}
      </p>
      <code data-testid="webhook-secret">{secret.secret}</code>
      <div class="confirm-actions">
        <button class="button small" type="button" onClick={() => void copy(secret.secret).then(setCopied)}>
          {copied === null ? 'Copy' : copied ? 'Copied' : 'Not copied: select it'}
        </button>
        <button class="button ghost small" type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

/**
 * Copies to the clipboard, which browsers offer only to secure contexts (https, localhost): elsewhere the secret stays
 * selectable on the page (user-select: all), and the button says nothing was copied.
 */
async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function WebhookRow({
  ns,
  hook,
  selected,
  editing,
  confirming,
  error,
  onEdit,
  onUpdate,
  onAsk,
  onConfirm,
}: {
  ns: string;
  hook: Hook;
  selected: boolean;
  editing: boolean;
  confirming: Confirming['what'] | null;
  error: string | null;
  onEdit: (on: boolean) => void;
  onUpdate: (draft: WebhookDraft) => Promise<boolean>;
  onAsk: (what: Confirming['what'] | null) => void;
  onConfirm: () => void;
}) {
  const last = hook.lastDelivery;
  const filters = [
    hook.pathPrefix ? `documents under ${hook.pathPrefix}` : 'every document',
    hook.actions?.length ? hook.actions.map((a) => a.toLowerCase()).join(', ') : 'every action',
    hook.environments?.length ? `releases of ${hook.environments.join(', ')}` : null,
  ].filter(Boolean);
  return (
    <>
      <tr data-webhook={hook.id} class={selected ? 'selected' : undefined}>
        <td class="webhook-url">
          <code>{hook.url}</code>
          <div class="muted small">
            by {hook.createdBy?.name ?? hook.createdBy?.email}, {formatTime(hook.createdAt)}
          </div>
        </td>
        <td class="small">{filters.join(' · ')}</td>
        <td>
          <span class={`badge webhook-${hook.status?.toLowerCase()}`} data-testid="webhook-status">
            {hook.enabled ? hook.status?.toLowerCase() : 'inactive'}
          </span>
          {hook.disabledReason && <div class="muted small">{hook.disabledReason}</div>}
          {!!hook.pendingVersions && <div class="muted small">{hook.pendingVersions} pending</div>}
        </td>
        <td data-testid="webhook-last-delivery">
          {last ? (
            <>
              <span class={`badge delivery-${last.outcome?.toLowerCase()}`}>{last.outcome?.toLowerCase()}</span> {last.statusCode ?? ''}
              <div class="muted small">{formatTime(last.time)}</div>
            </>
          ) : (
            <span class="muted small">none yet</span>
          )}
        </td>
        <td class="webhook-buttons">
          <a class="button small" href={href(ns, 'webhooks', selected ? {} : { webhook: hook.id ?? undefined })}>
            {selected ? 'Hide deliveries' : 'Deliveries'}
          </a>
          <button class="button small ghost" type="button" onClick={() => onEdit(!editing)}>
            Edit
          </button>
          <button class="button small ghost" type="button" onClick={() => onAsk('rotate')}>
            Rotate secret
          </button>
          <button class="button small danger" type="button" onClick={() => onAsk('delete')}>
            Delete
          </button>
        </td>
      </tr>
      {(confirming || error) && (
        <tr>
          <td colSpan={5}>
            {error && (
              <p class="alert alert-error small" role="alert">
                {error}
              </p>
            )}
            {confirming && (
              <div class="alert alert-info small" role="alertdialog" aria-label={confirming === 'rotate' ? 'Confirm rotation' : 'Confirm deletion'}>
                {confirming === 'rotate'
                  ? 'Rotate the secret? The new one is shown once; the old one keeps signing deliveries for 24 hours.'
                  : 'Delete this webhook? Its deliveries stop and its delivery log goes.'}
                <div class="confirm-actions">
                  <button class={`button small ${confirming === 'delete' ? 'danger' : 'primary'}`} type="button" onClick={onConfirm}>
                    {confirming === 'rotate' ? 'Rotate' : 'Delete webhook'}
                  </button>
                  <button class="button small ghost" type="button" onClick={() => onAsk(null)}>
                    Cancel
                  </button>
                </div>
              </div>
            )}
          </td>
        </tr>
      )}
      {editing && (
        <tr>
          <td colSpan={5}>
            <WebhookForm
              initial={{
                url: hook.url ?? '',
                pathPrefix: hook.pathPrefix ?? '',
                actions: hook.actions ?? [],
                environments: (hook.environments ?? []).join(', '),
                enabled: hook.enabled ?? true,
              }}
              label="Edit webhook"
              submitLabel="Save"
              withEnabled
              error={null}
              onSubmit={onUpdate}
              onCancel={() => onEdit(false)}
            />
          </td>
        </tr>
      )}
    </>
  );
}
