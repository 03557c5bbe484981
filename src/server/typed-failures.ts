import {
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  GraphQLObjectType,
  GraphQLSchema,
  getNamedType,
  isObjectType,
  isUnionType,
} from 'graphql';

/** The interface every expected failure implements (src/graphql/errors.ts). */
const ERROR_INTERFACE = 'Error';

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
  const type = getNamedType(info.returnType);
  if (!isUnionType(type) || typeof value !== 'object' || value === null || typeof context !== 'object' || context === null) return value;
  // The executor's own choice of union member (Pothos wraps errors in proxies that instanceof does not see through).
  const resolved = type.resolveType?.(value, context, info, type);
  if (typeof resolved === 'string' && isTypedFailure(info, resolved)) {
    const list = recorded.get(context) ?? [];
    list.push(resolved);
    recorded.set(context, list);
  }
  return value;
}

/** A typed failure is a union member implementing the `Error` interface. */
function isTypedFailure(info: GraphQLResolveInfo, typeName: string): boolean {
  const member = info.schema.getType(typeName);
  return isObjectType(member) && member.getInterfaces().some((i) => i.name === ERROR_INTERFACE);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
