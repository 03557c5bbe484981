import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import type { HttpClient } from '../http-client.js';
import { PROPOSALS, PROPOSAL_QUERY, unwrap } from '../operations.js';
import type { Output } from '../output.js';
import { type Proposal, printProposal, proposalSummary } from '../proposal.js';

const STATES = ['open', 'merged', 'rejected', 'all'] as const;

async function listProposals(client: HttpClient, out: Output, namespace: string, state: string): Promise<void> {
  if (!(STATES as readonly string[]).includes(state)) throw usageError(`--state: one of ${STATES.join(', ')}`);
  const variables = { ns: namespace, state: state === 'all' ? null : state.toUpperCase() };
  const data = await client.request<{ namespace: { __typename: string } }>(PROPOSALS, variables);
  const proposals = unwrap<{ proposals: Proposal[] }>(data.namespace, 'Namespace').proposals;
  if (out.json) out.data(proposals);
  else for (const p of proposals) out.line(proposalSummary(p));
}

export function registerReview(program: Command): void {
  program
    .command('review')
    .description('show a change request (its diff, reviews and state), or list them without <id>')
    .argument('<namespace>')
    .argument('[id]', 'the change request (default: list them)')
    .option('--state <state>', 'when listing: open, merged, rejected or all', 'open')
    .action(async (namespace: string, id: string | undefined, options: { state: string }, command: Command) => {
      const { client, out } = contextOf(command);
      if (id === undefined) {
        await listProposals(client, out, namespace, options.state);
        return;
      }
      const data = await client.request<{ namespace: { __typename: string } }>(PROPOSAL_QUERY, { ns: namespace, id });
      printProposal(out, unwrap<Proposal>(unwrap<{ proposal: { __typename: string } }>(data.namespace, 'Namespace').proposal, 'Proposal'));
    });
}
