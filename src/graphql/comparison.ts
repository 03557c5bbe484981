import type { ConfigComparisonResult } from '../services/config-comparison.js';
import { builder } from './builder.js';
import { FileDiffRef } from './diff.js';
import { READ_ERRORS } from './errors.js';
import { VersionRef } from './version-ref.js';

const ConfigSideInput = builder.inputType('ConfigSideInput', {
  description: "One side of a comparison: a namespace at a version, or what one of its environments released, as a cluster's instances run it.",
  fields: (t) => ({
    namespace: t.string({ required: true }),
    at: t.string({ required: false, description: "A version of main (hash, tag, HEAD~N); not with environment. Neither: main's head." }),
    environment: t.string({ required: false, description: 'What this environment released.' }),
    cluster: t.string({ required: false, description: 'The cluster whose overlay is applied; absent: the base documents.' }),
  }),
});

const ConfigComparisonRef = builder.objectRef<ConfigComparisonResult>('ConfigComparison').implement({
  description: 'Two configurations side by side: each effective document that differs, from left to right.',
  fields: (t) => ({
    left: t.field({ type: VersionRef, resolve: (c) => c.left }),
    right: t.field({ type: VersionRef, resolve: (c) => c.right }),
    files: t.field({ type: [FileDiffRef], resolve: (c) => [...c.files] }),
  }),
});

builder.queryFields((t) => ({
  compareConfigs: t.field({
    type: ConfigComparisonRef,
    description:
      'Any two configurations side by side, as their instances run them (overlays applied): two namespaces, two environments, two clusters, two versions. Each side is a viewer read.',
    args: {
      left: t.arg({ type: ConfigSideInput, required: true }),
      right: t.arg({ type: ConfigSideInput, required: true }),
      prefix: t.arg.string({ required: false, description: 'Only documents whose path starts with this.' }),
    },
    errors: { types: READ_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.comparison.compare(ctx.actor, ctx.blobs, args.left, args.right, args.prefix ?? ''),
  }),
}));
