import { type Operator, type Role, roleIn } from '../domain/access.js';
import { builder } from './builder.js';

export const RoleEnum = builder.enumType('Role', {
  description: 'What a token may do in a namespace: viewer reads, editor also writes, admin also administers.',
  values: {
    AGENT: { value: 'agent', description: "Reads its environment's desired state and reports what it applied; nothing else." },
    VIEWER: { value: 'viewer' },
    EDITOR: { value: 'editor' },
    ADMIN: { value: 'admin' },
  } as const,
});

export interface GrantView {
  readonly pattern: string;
  readonly role: Role;
}

export const GrantRef = builder.objectRef<GrantView>('Grant').implement({
  description: 'A namespace pattern (exact name, `*`, or a prefix ending in `*`) and its role: a line of the tokens file, or a grant of a service token.',
  fields: (t) => ({
    pattern: t.exposeString('pattern'),
    role: t.field({ type: RoleEnum, resolve: (g) => g.role }),
  }),
});

/** Lets a client (the web console) show only what the operator may do; the server still checks every operation. */
const ViewerRef = builder.objectRef<Operator>('Viewer').implement({
  description: 'The operator the request is authenticated as.',
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    grants: t.field({ type: [GrantRef], resolve: (o) => [...o.grants].map(([pattern, role]) => ({ pattern, role })) }),
    role: t.field({
      type: RoleEnum,
      nullable: true,
      description: 'The role in this namespace (the most specific grant), or null when the operator has none there.',
      args: { namespace: t.arg.string({ required: true }) },
      resolve: (o, { namespace }) => roleIn(o.grants, namespace),
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    description: 'Who you are, as the server authenticated you, and your roles.',
    resolve: (_root, _args, ctx) => ctx.actor.operator,
  }),
}));
