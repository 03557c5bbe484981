import { redactSealed } from '../domain/secret-redaction.js';
import type { ConflictingValue, LaterValue, SideValue } from '../services/revert-conflict.js';
import { builder } from './builder.js';
import { VersionRef } from './version-ref.js';

const SideValueRef = builder.objectRef<SideValue>('RevertSideValue').implement({
  description: 'A value as one version has it.',
  fields: (t) => ({
    present: t.exposeBoolean('present', { description: 'false when the pointer does not exist there (value is then null).' }),
    value: t.field({ type: 'JSON', nullable: true, description: 'A secret value is "[secret]".', resolve: (s) => redactSealed(s.value ?? null) }),
  }),
});

const LaterValueRef = builder.objectRef<LaterValue>('RevertLaterValue').implement({
  description: 'A version after the reverted one that changed a conflicting value, and the value it set.',
  fields: (t) => ({
    version: t.field({ type: VersionRef, description: 'Who, when, why.', resolve: (l) => l.version }),
    value: t.field({ type: SideValueRef, resolve: (l) => l.value }),
  }),
});

export const ConflictingValueRef = builder.objectRef<ConflictingValue>('ConflictingValue').implement({
  description: 'One value a revert cannot put back: the competing values, to choose one with RevertInput.resolutions.',
  fields: (t) => ({
    pointer: t.exposeString('pointer', { description: "RFC 6901; '' is the whole document." }),
    before: t.field({ type: SideValueRef, description: 'Before the reverted version: what the revert would restore.', resolve: (c) => c.before }),
    after: t.field({ type: SideValueRef, description: 'What the reverted version set.', resolve: (c) => c.after }),
    current: t.field({ type: SideValueRef, description: 'At the head.', resolve: (c) => c.current }),
    laterVersions: t.field({
      type: [LaterValueRef],
      description: 'The later versions that changed it, newest first.',
      resolve: (c) => [...c.later],
    }),
    truncated: t.exposeBoolean('truncated', {
      description: 'More later versions changed the document than were read (CAIRN_MAX_REVERT_LATER_VERSIONS): the oldest are left out.',
    }),
  }),
});
