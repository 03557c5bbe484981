import {
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  GraphQLObjectType,
  GraphQLSchema,
  getNamedType,
  isUnionType,
} from 'graphql';
import { CairnError } from '../domain/errors.js';

/** Per operation (keyed by its context object), the type names of the typed failures its root fields returned. */
const recorded = new WeakMap<object, string[]>();

/** The typed failures (`VersionConflict`, `NotFound`, ...) the operation with this context returned at its root, in order. */
export function typedFailuresOf(context: unknown): readonly string[] {
  return (typeof context === 'object' && context !== null && recorded.get(context)) || [];
}

/**
 * A copy of `schema` whose query and mutation root fields note the typed failure they return. An expected
 * failure is a value of the field's result union, not a GraphQL error, and is visible in the response only if
 * the client asked for `__typename`: the metrics need it whatever the client selected. The shared schema is not
 * touched; the copy is server-independent (the notes are keyed by each operation's context).
 */
export function withTypedFailureTracking(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const replaced = new Map<GraphQLNamedType, GraphQLObjectType>();
  for (const root of [config.query, config.mutation]) if (root) replaced.set(root, tracked(root));
  const swap = <T extends GraphQLNamedType>(type: T): T | GraphQLObjectType => replaced.get(type) ?? type;
  return new GraphQLSchema({
    ...config,
    query: config.query ? (swap(config.query) as GraphQLObjectType) : null,
    mutation: config.mutation ? (swap(config.mutation) as GraphQLObjectType) : null,
    types: config.types.map(swap),
  });
}

function tracked(root: GraphQLObjectType): GraphQLObjectType {
  const rootConfig = root.toConfig();
  const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
  for (const [name, field] of Object.entries(rootConfig.fields)) fields[name] = trackedField(field);
  return new GraphQLObjectType({ ...rootConfig, fields });
}

function trackedField(field: GraphQLFieldConfig<unknown, unknown>): GraphQLFieldConfig<unknown, unknown> {
  const resolve = field.resolve;
  if (!resolve) return field;
  const wrapped: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    const value = resolve(source, args, context, info);
    return isPromiseLike(value) ? value.then((v) => note(v, context, info)) : note(value, context, info);
  };
  return { ...field, resolve: wrapped };
}

function note(value: unknown, context: unknown, info: GraphQLResolveInfo): unknown {
  if (value instanceof CairnError && typeof context === 'object' && context !== null) {
    const list = recorded.get(context) ?? [];
    list.push(typeNameOf(value, context, info));
    recorded.set(context, list);
  }
  return value;
}

/** The union member the value resolves to, as the executor will pick it; its code when no member claims it. */
function typeNameOf(value: CairnError, context: object, info: GraphQLResolveInfo): string {
  const type = getNamedType(info.returnType);
  const member = isUnionType(type) ? type.getTypes().find((t) => t.isTypeOf?.(value, context, info) === true) : undefined;
  return member?.name ?? value.code;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
