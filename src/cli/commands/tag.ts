import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CREATE_TAG, DELETE_TAG, TAGS, unwrap } from '../operations.js';
import { type Output, firstLine, shortTime } from '../output.js';

interface Tag {
  readonly name: string;
  readonly hash: string;
  readonly annotated: boolean;
  readonly message: string | null;
  readonly protectedBy: string | null;
  readonly time: string | null;
  readonly tagger: { readonly email: string } | null;
  readonly target: { readonly hash: string; readonly shortHash: string } | null;
}

function printTag(out: Output, verb: string, tag: Tag): void {
  if (out.json) out.data(tag);
  else out.line(`${verb} tag ${tag.name} on ${tag.target?.shortHash ?? '?'}`);
}

export function registerTag(program: Command): void {
  const tag = program.command('tag').description("a namespace's tags: names for versions, never moved");
  tag
    .command('create')
    .description('an annotated tag on a version, with you as tagger (editors); an existing name is refused (exit 4)')
    .argument('<namespace>')
    .argument('<name>', 'e.g. v1.2 or release/2026-12')
    .argument('[version]', 'hash, short hash, tag, HEAD~N (default: HEAD)')
    .option('-m, --message <text>', 'the tag message')
    .action(async (namespace: string, name: string, version: string | undefined, options: { message?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const input = { namespace, name, version: version ?? 'HEAD', message: options.message ?? null };
      const data = await client.request<{ createTag: { __typename: string } }>(CREATE_TAG, { input });
      printTag(out, 'created', unwrap<Tag>(data.createTag, 'Tag'));
    });
  tag
    .command('list')
    .description('every tag, by name, with the version it names')
    .argument('<namespace>')
    .action(async (namespace: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ tags: { __typename: string } }>(TAGS, { ns: namespace });
      const tags = unwrap<{ data: Tag[] }>(data.tags, 'TagsSuccess').data;
      if (out.json) {
        out.data(tags);
        return;
      }
      out.table(
        ['TAG', 'VERSION', 'CREATED', 'BY', 'PROTECTED', 'MESSAGE'],
        tags.map((t) => [t.name, t.target?.shortHash ?? '-', shortTime(t.time), t.tagger?.email ?? '-', t.protectedBy ?? '-', firstLine(t.message)]),
      );
    });
  tag
    .command('delete')
    .description('delete a tag (admins); refused (exit 4) for tags the policy protects')
    .argument('<namespace>')
    .argument('<name>')
    .action(async (namespace: string, name: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ deleteTag: { __typename: string } }>(DELETE_TAG, { input: { namespace, name } });
      printTag(out, 'deleted', unwrap<Tag>(data.deleteTag, 'Tag'));
    });
}
