import type { Harness } from './harness.js';

/** Lean write mutations: the feed tests make thousands of commits and need only the new version back. */
const RESULT = `__typename ... on WritePayload { status version { hash } } ... on Error { message code }`;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${RESULT} } }`;
const APPLY = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { ${RESULT} } }`;
const DELETE = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { ${RESULT} } }`;

interface Result {
  __typename: string;
  status?: string;
  version?: { hash: string };
  message?: string;
}

export type DocumentChange = { path: string; content?: unknown; text?: string; delete?: boolean };

/**
 * One writer of a namespace that only touches its own documents, so concurrent writers never conflict: its last
 * commit is a valid `expectedVersion` for each of them.
 */
export class NamespaceWriter {
  private last: string | null = null;
  private readonly existing = new Set<string>();

  constructor(
    private readonly h: Harness,
    private readonly namespace: string,
  ) {}

  put(path: string, content: unknown): Promise<string> {
    return this.commit(PUT, 'putConfig', { path, content, expectedVersion: this.expectedFor([path]) }, [path], []);
  }

  putText(path: string, text: string): Promise<string> {
    return this.commit(PUT, 'putConfig', { path, text, expectedVersion: this.expectedFor([path]) }, [path], []);
  }

  remove(path: string): Promise<string> {
    return this.commit(DELETE, 'deleteConfig', { path, expectedVersion: this.last }, [], [path]);
  }

  apply(changes: readonly DocumentChange[]): Promise<string> {
    const paths = changes.map((c) => c.path);
    const removed = changes.filter((c) => c.delete).map((c) => c.path);
    return this.commit(
      APPLY,
      'applyChanges',
      { changes, expectedVersion: this.expectedFor(paths) },
      paths.filter((p) => !removed.includes(p)),
      removed,
    );
  }

  has(path: string): boolean {
    return this.existing.has(path);
  }

  /** null means "must not exist yet": right only when none of them exists. */
  private expectedFor(paths: readonly string[]): string | null {
    return paths.some((p) => this.existing.has(p)) ? this.last : null;
  }

  private async commit(
    mutation: string,
    field: string,
    input: Record<string, unknown>,
    written: readonly string[],
    removed: readonly string[],
  ): Promise<string> {
    const res = await this.h.gql<Record<string, Result>>(mutation, { input: { namespace: this.namespace, ...input } });
    const result = res.data?.[field];
    if (result?.status !== 'COMMITTED' || !result.version) throw new Error(`${field} did not commit: ${JSON.stringify(res.errors ?? result)}`);
    for (const path of written) this.existing.add(path);
    for (const path of removed) this.existing.delete(path);
    this.last = result.version.hash;
    return this.last;
  }
}
