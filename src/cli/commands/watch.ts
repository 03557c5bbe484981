import type { Command } from 'commander';
import { contextOf } from '../context.js';
import type { FeedEvent } from '../feed-watcher.js';
import type { HttpClient } from '../http-client.js';
import { NULL_VERSION, isNullVersion } from '../../domain/null-version.js';
import { NAMESPACE_HEAD, RESOLVE_VERSION, unwrap } from '../operations.js';
import { type Output, firstLine, shortTime } from '../output.js';

interface EventDocument {
  readonly path: string;
  readonly status: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly changes: readonly unknown[] | null;
  readonly tooLarge: boolean | null;
}

const MARKS = { ADDED: '+', DELETED: '-', MODIFIED: '•' } as const;

function printEvent(out: Output, event: FeedEvent): void {
  if (out.json) {
    out.data(event);
    return;
  }
  const operator = (event.operator as { email?: string } | null)?.email ?? '?';
  out.line(
    `${shortTime(event.time as string)} ${out.yellow(event.version.slice(0, 7))} ${String(event.action ?? '-').toLowerCase()} by ${operator}: ${firstLine(event.comment as string)}`,
  );
  for (const doc of (event.documents as EventDocument[] | null) ?? []) {
    const detail = doc.tooLarge ? 'too large for the event' : `${doc.changes?.length ?? 0} value change(s)`;
    out.line(`  ${MARKS[doc.status]} ${doc.path} (${detail})`);
  }
}

async function headOf(client: HttpClient, namespace: string): Promise<string | null> {
  const data = await client.request<{ namespace: { __typename: string } }>(NAMESPACE_HEAD, { ns: namespace });
  return unwrap<{ head: { hash: string } | null }>(data.namespace, 'Namespace').head?.hash ?? null;
}

/**
 * A --since such as HEAD, a tag or a short hash names a version now: resumed after a reconnection, it could name
 * another (HEAD moved) and the commits in between would never be printed. It is resolved once, at the start.
 */
async function resolved(client: HttpClient, namespace: string, since: string): Promise<string> {
  if (isNullVersion(since)) return since;
  const data = await client.request<{ namespace: { __typename: string } }>(RESOLVE_VERSION, { ns: namespace, ref: since });
  return unwrap<{ hash: string }>(unwrap<{ version: { __typename: string } }>(data.namespace, 'Namespace').version, 'Version').hash;
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('stream the change feed: one event per version, in order; reconnects and resumes after a dropped connection with no gap and no repeat')
    .argument('<namespace>')
    .option('--since <version>', 'first every version after this one (hash, short hash, tag, HEAD~N), then live (default: from the current head)')
    .option('--path <prefix>', 'only versions changing a document whose path starts with this')
    .action(async (namespace: string, options: { since?: string; path?: string }, command: Command) => {
      const { client, out, connection } = contextOf(command);
      // Starting from the head read now (rather than "live") gives a reconnection before the first event a place to
      // resume from; for an empty namespace that place is before its first commit.
      const since = options.since === undefined ? ((await headOf(client, namespace)) ?? NULL_VERSION) : await resolved(client, namespace, options.since);
      // graphql-ws and ws are loaded by watch alone, not at the start of every command.
      const { FeedWatcher } = await import('../feed-watcher.js');
      const watcher = new FeedWatcher(
        connection,
        { namespace, since, pathPrefix: options.path ?? null },
        (event) => printEvent(out, event),
        (text) => out.note(text),
      );
      const stop = (): void => watcher.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await watcher.run();
    });
}
