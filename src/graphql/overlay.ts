import type { JsonValue } from '../domain/json-value.js';
import type { EffectiveConfig, FieldProvenance } from '../services/overlays.js';
import { builder } from './builder.js';
import { DiffRef } from './diff.js';
import { OVERLAY_READ_ERRORS } from './errors.js';
import { NamespaceRef } from './namespace.js';
import { revealedValue } from './secret-view.js';
import { VersionRef } from './version-ref.js';

const FieldProvenanceRef = builder.objectRef<FieldProvenance>('FieldProvenance').implement({
  description: 'One field (leaf JSON pointer) of an effective document, and the layer and version that last set it.',
  fields: (t) => ({
    pointer: t.exposeString('pointer'),
    value: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (f, _a, ctx) => revealedValue(ctx, f.version.namespace.name, f.pointer, f.value),
    }),
    layer: t.exposeString('layer', { description: '"BASE", or the cluster whose overlay set this field.' }),
    opIndex: t.exposeInt('opIndex', { nullable: true, description: 'The overlay operation that set it (from 0); null for base fields.' }),
    version: t.field({
      type: VersionRef,
      description: 'The version that last set this field in its layer (operator, time, comment).',
      resolve: (f) => f.version,
    }),
  }),
});

const EffectiveConfigRef = builder.objectRef<EffectiveConfig>('EffectiveConfig').implement({
  description: "A base document with one cluster's overlay (an RFC 6902 patch in <base>.overlays/<cluster>.patch.json) applied.",
  fields: (t) => ({
    path: t.exposeString('path'),
    cluster: t.exposeString('cluster', { nullable: true }),
    at: t.field({ type: VersionRef, description: 'The version both layers were read at.', resolve: (e) => e.at }),
    overlayPath: t.exposeString('overlayPath', {
      nullable: true,
      description: 'null when the cluster has no overlay at this version: the effective document is the base.',
    }),
    overlay: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The overlay patch applied.',
      resolve: (e, _a, ctx) => (e.overlay ? revealedValue(ctx, e.at.namespace.name, e.overlayPath ?? e.path, [...e.overlay] as unknown as JsonValue) : null),
    }),
    content: t.field({
      type: 'JSON',
      description: 'The merged document.',
      resolve: (e, _a, ctx) => revealedValue(ctx, e.at.namespace.name, e.path, e.content),
    }),
    fields: t.field({ type: [FieldProvenanceRef], description: 'Every leaf of the merged document with its provenance.', resolve: (e) => e.provenance() }),
  }),
});

const EffectiveSideInput = builder.inputType('EffectiveSide', {
  fields: (t) => ({
    cluster: t.string({ required: false, description: 'The overlay to apply; the base alone when absent.' }),
    at: t.string({ required: false, description: 'hash, short hash, tag, HEAD~N; default head' }),
  }),
});

builder.objectFields(NamespaceRef, (t) => ({
  effectiveConfig: t.field({
    type: EffectiveConfigRef,
    description: "The document at `path` with `cluster`'s overlay applied, and the provenance of every field.",
    args: { path: t.arg.string({ required: true }), cluster: t.arg.string({ required: false }), at: t.arg.string({ required: false }) },
    errors: { types: OVERLAY_READ_ERRORS, directResult: true },
    resolve: (r, args, ctx) => ctx.cairn.overlays.effectiveConfig(ctx.actor, ctx.blobs, r.name, args.path, args.cluster, args.at),
  }),
  effectiveDiff: t.field({
    type: DiffRef,
    description: 'The effective document of one cluster and version against another (two clusters, or two versions of one).',
    args: {
      path: t.arg.string({ required: true }),
      from: t.arg({ type: EffectiveSideInput, required: true }),
      to: t.arg({ type: EffectiveSideInput, required: true }),
    },
    errors: { types: OVERLAY_READ_ERRORS, directResult: true },
    resolve: (r, args, ctx) => ctx.cairn.overlays.effectiveDiff(ctx.actor, ctx.blobs, r.name, args.path, args.from, args.to),
  }),
}));
