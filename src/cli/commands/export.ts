import type { Command } from 'commander';
import { contextOf } from '../context.js';
import type { ExportedDocument } from '../export-target.js';
import type { HttpClient } from '../http-client.js';
import { CONFIGS, NAMESPACE_HEAD, RESOLVE_VERSION, unwrap } from '../operations.js';
import { startProgress } from '../progress.js';

interface Version {
  readonly hash: string;
  readonly timestamp: string;
}

/** The version to export, resolved once, so every document is read at the same commit. */
async function resolve(client: HttpClient, namespace: string, at: string | undefined): Promise<Version | null> {
  if (at === undefined) {
    const head = (await client.request<{ namespace: { __typename: string } }>(NAMESPACE_HEAD, { ns: namespace })).namespace;
    if (unwrap<{ head: unknown }>(head, 'Namespace').head === null) return null;
  }
  const data = await client.request<{ namespace: { __typename: string } }>(RESOLVE_VERSION, { ns: namespace, ref: at ?? 'HEAD' });
  return unwrap<Version>(unwrap<{ version: { __typename: string } }>(data.namespace, 'Namespace').version, 'Version');
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a namespace's documents at a version, byte for byte, to a directory or a tarball (.tar, .tar.gz, .tgz)")
    .argument('<namespace>')
    .argument('<target>', 'a new or empty directory, or file.tar / file.tar.gz')
    .option('--at <ref>', 'a version: hash, short hash, tag, HEAD~N (default: head)')
    .action(async (namespace: string, target: string, options: { at?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const version = await resolve(client, namespace, options.at);
      let documents: ExportedDocument[] = [];
      if (version) {
        const data = await client.request<{ namespace: { __typename: string } }>(CONFIGS, { ns: namespace, at: version.hash });
        documents = unwrap<{ data: ExportedDocument[] }>(
          unwrap<{ configs: { __typename: string } }>(data.namespace, 'Namespace').configs,
          'ConfigsSuccess',
        ).data;
      }
      const progress = await startProgress('exporting', documents.length, { json: out.json });
      // tar is loaded here rather than at start: every other command would pay for it.
      const { writeExport } = await import('../export-target.js');
      let kind;
      try {
        kind = await writeExport(target, documents, new Date(version?.timestamp ?? 0), progress);
      } finally {
        progress.stop();
      }
      const summary = { namespace, version: version?.hash ?? null, target, kind, documents: documents.length };
      if (out.json) out.data(summary);
      else
        out.line(`exported ${documents.length} document(s) of ${namespace} at ${summary.version?.slice(0, 7) ?? 'an empty namespace'} to ${target} (${kind})`);
    });
}
