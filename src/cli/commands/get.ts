import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { GET_CONFIG, unwrap } from '../operations.js';

interface ConfigDocument {
  readonly path: string;
  readonly format: string;
  readonly text: string;
  readonly content: unknown;
  readonly at: { readonly hash: string };
  readonly version: { readonly hash: string };
}

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('print a document: its raw content, byte for byte (with --json: content, text and versions)')
    .argument('<namespace>')
    .argument('<path>', 'document path, e.g. services/api/prod.yaml')
    .option('--at <ref>', 'a version: hash, short hash, tag, HEAD~N (default: head)')
    .action(async (namespace: string, path: string, options: { at?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ namespace: { __typename: string } }>(GET_CONFIG, { ns: namespace, path, at: options.at ?? null });
      const ns = unwrap<{ config: { __typename: string } }>(data.namespace, 'Namespace');
      const doc = unwrap<ConfigDocument>(ns.config, 'ConfigDocument');
      if (out.json)
        out.data({ namespace, path: doc.path, format: doc.format, at: doc.at.hash, version: doc.version.hash, text: doc.text, content: doc.content });
      else out.raw(doc.text);
    });
}
