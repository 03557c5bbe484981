import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CREATE_NAMESPACE, unwrap } from '../operations.js';

interface Created {
  readonly name: string;
}

/** Namespaces are created explicitly (admins), so a typo in `put` is a NotFound rather than a new namespace. */
export function registerCreateNamespace(program: Command): void {
  program
    .command('create-namespace')
    .argument('<namespace>', 'the new namespace (letters, digits, ".", "_", "-")')
    .description('create an empty namespace (admins); an existing name exits 4')
    .action(async (namespace: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const result = (await client.request<{ createNamespace: { __typename: string } & Record<string, unknown> }>(CREATE_NAMESPACE, { name: namespace }))
        .createNamespace;
      const created = unwrap<Created>(result, 'Namespace');
      if (out.json) out.data({ name: created.name });
      else out.line(`created namespace ${created.name}`);
    });
}
