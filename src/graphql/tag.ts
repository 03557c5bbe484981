import { type TagView, taggedVersion } from '../services/tags.js';
import { builder } from './builder.js';
import { TAG_ERRORS } from './errors.js';
import { PersonRef } from './version.js';
import { VersionRef } from './version-ref.js';

export const TagRef = builder.objectRef<TagView>('Tag').implement({
  description: 'A Git tag on a version: annotated (made by Cairn, or `git tag -a`) or lightweight (git CLI only).',
  fields: (t) => ({
    name: t.string({ resolve: (v) => v.tag.name }),
    hash: t.string({ description: 'The tag object (the commit itself for a lightweight tag).', resolve: (v) => v.tag.oid }),
    annotated: t.boolean({ resolve: (v) => v.tag.annotated }),
    message: t.string({ nullable: true, description: 'null for a lightweight tag.', resolve: (v) => v.tag.message }),
    tagger: t.field({ type: PersonRef, nullable: true, description: 'The operator who created it.', resolve: (v) => v.tag.tagger }),
    time: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was created (server time).',
      resolve: (v) => (v.tag.tagger ? new Date(v.tag.tagger.timestamp * 1000) : null),
    }),
    target: t.field({ type: VersionRef, description: 'The version tagged.', resolve: (v) => taggedVersion(v) }),
    protectedBy: t.string({
      nullable: true,
      description: "The policy's protectedTags pattern covering this tag (it can be neither moved nor deleted), or null.",
      resolve: (v) => v.protectedBy,
    }),
  }),
});

const CreateTagInput = builder.inputType('CreateTagInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    name: t.string({ required: true, description: 'Valid for `git check-ref-format refs/tags/<name>`; not hash-like, HEAD, main or refs/….' }),
    version: t.string({ required: true, description: 'The version to tag (hash, short hash, tag, HEAD~N, @{time}).' }),
    message: t.string({ required: false }),
  }),
});

const DeleteTagInput = builder.inputType('DeleteTagInput', {
  fields: (t) => ({ namespace: t.string({ required: true }), name: t.string({ required: true }) }),
});

builder.queryFields((t) => ({
  tags: t.field({
    type: [TagRef],
    description: "A namespace's tags, by name.",
    args: { namespace: t.arg.string({ required: true }) },
    errors: { types: TAG_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.tags.list(ctx.actor, args.namespace),
  }),
}));

builder.mutationFields((t) => ({
  createTag: t.field({
    type: TagRef,
    description: 'An annotated tag on a version, with you as tagger. Editors. A tag is never moved: an existing name is refused.',
    args: { input: t.arg({ type: CreateTagInput, required: true }) },
    errors: { types: TAG_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.tags.create(ctx.actor, input),
  }),
  deleteTag: t.field({
    type: TagRef,
    description: 'Deletes a tag (admins); refused for tags the policy protects. Answers the deleted tag.',
    args: { input: t.arg({ type: DeleteTagInput, required: true }) },
    errors: { types: TAG_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.tags.delete(ctx.actor, input.namespace, input.name),
  }),
}));
