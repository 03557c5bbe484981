import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { MERGE_CHANGE, PROPOSAL_ACTION, unwrap } from '../operations.js';
import { type Proposal, printProposal } from '../proposal.js';
import { type WritePayload, printWrite } from '../write-result.js';

type Verdict = 'approveChange' | 'rejectChange' | 'commentChange';

const VERDICTS: readonly { readonly name: string; readonly mutation: Verdict; readonly description: string }[] = [
  {
    name: 'approve',
    mutation: 'approveChange',
    description: 'approve a change request (an approver the policy names, never its author): a commit on its branch',
  },
  { name: 'reject', mutation: 'rejectChange', description: 'reject a change request for good (an approver, or its author withdrawing it)' },
  { name: 'comment', mutation: 'commentChange', description: 'comment on a change request (-m, required): a commit on its branch that approves nothing' },
];

interface ActionOptions {
  readonly message?: string;
}

export function registerProposalActions(program: Command): void {
  for (const verdict of VERDICTS) {
    program
      .command(verdict.name)
      .description(verdict.description)
      .argument('<namespace>')
      .argument('<id>', 'the change request')
      .option('-m, --message <comment>', 'the review comment')
      .action(async (namespace: string, id: string, options: ActionOptions, command: Command) => {
        const { client, out } = contextOf(command);
        const input = { namespace, proposal: id, comment: options.message ?? null };
        const data = await client.request<Record<Verdict, { __typename: string }>>(PROPOSAL_ACTION(verdict.mutation), { input });
        printProposal(out, unwrap<Proposal>(data[verdict.mutation], 'Proposal'));
      });
  }
  program
    .command('merge')
    .description("merge an approved change request to main as one commit (refused, exit 5, until the policy's approvals are met)")
    .argument('<namespace>')
    .argument('<id>', 'the change request')
    .option('-m, --message <comment>', 'the merge comment')
    .action(async (namespace: string, id: string, options: ActionOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = { namespace, proposal: id, comment: options.message ?? null };
      const data = await client.request<{ mergeChange: { __typename: string } }>(MERGE_CHANGE, { input });
      printWrite(out, unwrap<WritePayload>(data.mergeChange, 'WritePayload'));
    });
}
