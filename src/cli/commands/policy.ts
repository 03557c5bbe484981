import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { GET_CONFIG, PUT_CONFIG, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';
import { readSource } from './put.js';

/** Where the policy lives; its module brings picomatch along, so it is loaded by these commands alone, when they run. */
async function policyPath(): Promise<string> {
  return (await import('../../domain/namespace-policy.js')).POLICY_PATH;
}

const EXAMPLE = '{"protectedTags":["release/*"],"approvals":[{"paths":["prod/**"],"required":1,"approvers":["ada@example.com"]}],"emergencyRollback":true}';

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description("a namespace's policy (.cairn/policy.json): protected tags, approval rules, emergency rollbacks")
    .addHelpText('after', `\nExample policy:\n  ${EXAMPLE}`);
  policy
    .command('get')
    .description('print the policy as stored (not found, exit 3, when the namespace has none)')
    .argument('<namespace>')
    .option('--at <ref>', 'a version: hash, short hash, tag, HEAD~N (default: head)')
    .action(async (namespace: string, options: { at?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const path = await policyPath();
      const data = await client.request<{ namespace: { __typename: string } }>(GET_CONFIG, { ns: namespace, path, at: options.at ?? null });
      const doc = unwrap<{ text: string; content: unknown; version: { hash: string } }>(
        unwrap<{ config: { __typename: string } }>(data.namespace, 'Namespace').config,
        'ConfigDocument',
      );
      if (out.json) out.data({ namespace, path, version: doc.version.hash, policy: doc.content });
      else out.raw(doc.text);
    });
  policy
    .command('set')
    .description('replace the policy with a JSON file (or - for stdin): a commit, admins; an invalid policy is refused (exit 2)')
    .argument('<namespace>')
    .argument('<file>', 'the policy JSON, or - to read stdin')
    .option('--expect <version>', 'the version you read: refused (exit 4) if the policy changed since (default: replace whatever is there)')
    .option('-m, --message <comment>', 'why: the commit message')
    .action(async (namespace: string, file: string, options: { expect?: string; message?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        namespace,
        path: await policyPath(),
        text: await readSource(file),
        expectedVersion: options.expect ?? 'HEAD',
        comment: options.message ?? null,
      };
      const data = await client.request<{ putConfig: { __typename: string } }>(PUT_CONFIG, { input });
      printWrite(out, unwrap<WritePayload>(data.putConfig, 'WritePayload'));
    });
}
