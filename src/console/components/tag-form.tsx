import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import { CREATE_TAG } from '../queries.js';

type Created = NonNullable<ResultOf<typeof CREATE_TAG>['createTag']>;

/** Tags a version (editors): a name and an optional message; refusals say why, next to the field. */
export function TagForm({ api, ns, version, onCreated }: { api: Api; ns: string; version: string; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Created | null>(null);
  const submit = async (): Promise<void> => {
    setBusy(true);
    try {
      const result = (await api.request(CREATE_TAG, { input: { namespace: ns, name: name.trim(), version, message: message.trim() || undefined } })).createTag;
      setOutcome(result ?? null);
      if (result?.__typename === 'Tag') {
        setName('');
        setMessage('');
        onCreated();
      }
    } catch (error) {
      setOutcome({ __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="tag-form"
      aria-label={`Tag version ${version.slice(0, 7)}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label class="field inline">
        <span>Tag name</span>
        <input name="tag" value={name} placeholder="release-1.4" autoComplete="off" onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label class="field inline grow">
        <span>Message</span>
        <input name="message" value={message} placeholder="optional" onInput={(e) => setMessage(e.currentTarget.value)} />
      </label>
      <button class="button small primary" type="submit" disabled={busy || !name.trim()}>
        Create tag
      </button>
      {outcome && <TagOutcome outcome={outcome} />}
    </form>
  );
}

function TagOutcome({ outcome }: { outcome: Created }) {
  switch (outcome.__typename) {
    case 'Tag':
      return (
        <p class="alert alert-ok small" role="status" data-testid="tag-outcome" data-outcome="Tag">
          ✓ Tagged <span class="tag">{outcome.name}</span>
        </p>
      );
    case 'InvalidTagName':
      return (
        <p class="alert alert-error small" role="alert" data-testid="tag-outcome" data-outcome="InvalidTagName">
          “{outcome.name}” cannot be a tag name: {outcome.reason ?? outcome.message}
        </p>
      );
    case 'TagExists':
      return (
        <p class="alert alert-error small" role="alert" data-testid="tag-outcome" data-outcome="TagExists">
          A tag “{outcome.name}” exists already: tags are never moved. Pick another name.
        </p>
      );
    case 'ProtectedTag':
      return (
        <p class="alert alert-error small" role="alert" data-testid="tag-outcome" data-outcome="ProtectedTag">
          “{outcome.name}” is protected by the namespace policy ({outcome.pattern}).
        </p>
      );
    default:
      return (
        <p class="alert alert-error small" role="alert" data-testid="tag-outcome" data-outcome={outcome.__typename}>
          {outcome.message ?? outcome.__typename}
        </p>
      );
  }
}
