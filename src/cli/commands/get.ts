import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { effectiveDocument, effectiveText } from '../effective-document.js';
import type { HttpClient } from '../http-client.js';
import { GET_CONFIG, unwrap } from '../operations.js';
import type { Output } from '../output.js';

interface ConfigDocument {
  readonly path: string;
  readonly format: string;
  readonly text: string;
  readonly content: unknown;
  readonly at: { readonly hash: string };
  readonly version: { readonly hash: string };
}

interface GetOptions {
  readonly at?: string;
  readonly cluster?: string;
}

async function printEffective(client: HttpClient, out: Output, namespace: string, path: string, options: GetOptions & { cluster: string }): Promise<void> {
  const doc = await effectiveDocument(client, namespace, path, options.cluster, options.at ?? null);
  if (out.json) out.data({ namespace, path: doc.path, cluster: doc.cluster, at: doc.at.hash, overlayPath: doc.overlayPath, content: doc.content });
  else out.raw(await effectiveText(doc));
}

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('print a document: its raw content, byte for byte (with --json: content, text and versions)')
    .argument('<namespace>')
    .argument('<path>', 'document path, e.g. services/api/prod.yaml')
    .option('--at <ref>', 'a version: hash, short hash, tag, HEAD~N (default: head)')
    .option('--cluster <cluster>', "the effective document one cluster runs: the base with the cluster's overlay applied (re-serialized, not byte for byte)")
    .action(async (namespace: string, path: string, options: GetOptions, command: Command) => {
      const { client, out } = contextOf(command);
      if (options.cluster !== undefined) {
        await printEffective(client, out, namespace, path, { ...options, cluster: options.cluster });
        return;
      }
      const data = await client.request<{ namespace: { __typename: string } }>(GET_CONFIG, { ns: namespace, path, at: options.at ?? null });
      const ns = unwrap<{ config: { __typename: string } }>(data.namespace, 'Namespace');
      const doc = unwrap<ConfigDocument>(ns.config, 'ConfigDocument');
      if (out.json)
        out.data({ namespace, path: doc.path, format: doc.format, at: doc.at.hash, version: doc.version.hash, text: doc.text, content: doc.content });
      else out.raw(doc.text);
    });
}
