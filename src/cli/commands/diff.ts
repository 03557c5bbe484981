import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import type { HttpClient } from '../http-client.js';
import { DIFF, EFFECTIVE_DIFF, unwrap } from '../operations.js';
import type { Output } from '../output.js';
import { type FileDiff, printFiles } from '../write-result.js';

interface Diff {
  readonly from: { readonly hash: string; readonly shortHash: string };
  readonly to: { readonly hash: string; readonly shortHash: string };
  readonly files: readonly FileDiff[];
}

interface DiffOptions {
  readonly path?: string;
  readonly cluster?: string;
  readonly toCluster?: string;
  readonly fromNs?: string;
  readonly toNs?: string;
}

async function diffVersions(client: HttpClient, out: Output, namespace: string, from: string, to: string | undefined, options: DiffOptions): Promise<void> {
  const path = options.path ?? null;
  const effective = options.cluster !== undefined || options.toCluster !== undefined;
  if (effective && path === null) throw usageError('--cluster and --to-cluster compare one document as clusters run it: give --path');
  const diff = effective ? await effectiveDiff(client, namespace, from, to, options, path ?? '') : await storedDiff(client, namespace, from, to, path);
  if (out.json) {
    out.data({ namespace, from: diff.from.hash, to: diff.to.hash, files: diff.files });
    return;
  }
  out.line(out.bold(`${diff.from.shortHash}..${diff.to.shortHash}: ${diff.files.length} document(s) changed`));
  printFiles(out, diff.files);
}

async function storedDiff(client: HttpClient, namespace: string, from: string, to: string | undefined, path: string | null): Promise<Diff> {
  const data = await client.request<{ namespace: { __typename: string } }>(DIFF, { ns: namespace, from, to: to ?? null, path });
  return unwrap<Diff>(unwrap<{ diff: { __typename: string } }>(data.namespace, 'Namespace').diff, 'Diff');
}

/** One document as clusters run it (overlays applied): `--cluster` at [from], `--to-cluster` (default the same) at [to]. */
async function effectiveDiff(client: HttpClient, namespace: string, from: string, to: string | undefined, options: DiffOptions, path: string): Promise<Diff> {
  const sides = { from: { at: from, cluster: options.cluster ?? null }, to: { at: to ?? null, cluster: options.toCluster ?? options.cluster ?? null } };
  const data = await client.request<{ namespace: { __typename: string } }>(EFFECTIVE_DIFF, { ns: namespace, ...sides, path });
  return unwrap<Diff>(unwrap<{ effectiveDiff: { __typename: string } }>(data.namespace, 'Namespace').effectiveDiff, 'Diff');
}

/** Two namespaces: [from] and [to] are then versions of each (default: their heads). */
async function diffAcross(
  client: HttpClient,
  out: Output,
  options: DiffOptions & { fromNs: string; toNs: string },
  versions: (string | undefined)[],
): Promise<void> {
  const { diffNamespaces } = await import('../namespace-diff.js');
  const [fromVersion, toVersion] = versions;
  const from = { namespace: options.fromNs, version: fromVersion ?? null, cluster: options.cluster ?? null };
  const to = { namespace: options.toNs, version: toVersion ?? null, cluster: options.toCluster ?? options.cluster ?? null };
  const diff = await diffNamespaces(client, from, to, options.path ?? null);
  if (out.json) {
    out.data(diff);
    return;
  }
  const label = (side: typeof diff.from): string => `${side.namespace}@${side.shortHash}`;
  out.line(out.bold(`${label(diff.from)}..${label(diff.to)}: ${diff.files.length} document(s) differ`));
  printFiles(out, diff.files);
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('what changed between two versions (per document, the value changes and a unified diff), or what differs between two namespaces')
    .usage('<namespace> <from> [to] [options]\n       cairn diff --from-ns <a> --to-ns <b> [from-version] [to-version] [options]')
    .argument('[namespace]')
    .argument('[from]', 'a version: hash, short hash, tag, HEAD~N')
    .argument('[to]', 'a version (default: head)')
    .option('--path <path>', 'only this document')
    .option('--cluster <cluster>', 'the document as this cluster runs it (its overlay applied); needs --path')
    .option('--to-cluster <cluster>', 'at [to], as this cluster runs it (default: --cluster): two clusters side by side')
    .option('--from-ns <namespace>', 'compare two namespaces: this one (at [from-version], default head) ...')
    .option('--to-ns <namespace>', '... against this one (at [to-version], default head)')
    .addHelpText(
      'after',
      '\nTwo namespaces: the server compares them (compareConfigs), each at its version, as instances without a cluster run\nthem, reporting value changes and unified diffs as for two versions.',
    )
    .action(async (first: string | undefined, second: string | undefined, third: string | undefined, options: DiffOptions, command: Command) => {
      const { client, out } = contextOf(command);
      if (options.fromNs !== undefined || options.toNs !== undefined) {
        if (options.fromNs === undefined || options.toNs === undefined) throw usageError('--from-ns and --to-ns go together');
        if (third !== undefined) throw usageError('with --from-ns/--to-ns: at most [from-version] [to-version]');
        await diffAcross(client, out, { ...options, fromNs: options.fromNs, toNs: options.toNs }, [first, second]);
        return;
      }
      if (first === undefined || second === undefined) throw usageError("missing required argument 'namespace' or 'from' (or use --from-ns/--to-ns)");
      await diffVersions(client, out, first, second, third, options);
    });
}
