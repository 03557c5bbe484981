import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { errorTypeMap } from '@pothos/plugin-errors';
import type { GraphQLFieldResolver } from 'graphql';

/** Per operation (keyed by its context object), the type names of the typed failures its root fields returned. */
const recorded = new WeakMap<object, string[]>();

/** The typed failures (`VersionConflict`, `NotFound`, ...) the operation with this context returned at its root, in order. */
export function typedFailuresOf(context: unknown): readonly string[] {
  return (typeof context === 'object' && context !== null && recorded.get(context)) || [];
}

const ROOT_KINDS: ReadonlySet<string> = new Set(['Query', 'Mutation']);

/**
 * Notes the typed failure each query and mutation root field returns, for the metrics. An expected failure is a
 * value of the field's result union, not a GraphQL error, and shows in the response only if the client asked for
 * `__typename`: the metrics need it whatever the client selected.
 *
 * Listed before the errors plugin, so its wrapper runs outside the one the errors plugin puts on fields with
 * `errors`: it sees the error as that plugin returns it, a proxy `instanceof` does not see through, and asks the
 * plugin's own map which class it matched. Fields without `errors` and nested fields are left as they are.
 */
export class TypedFailuresPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (!ROOT_KINDS.has(fieldConfig.kind) || !fieldConfig.extensions?.pothosErrors) return resolver;
    return async (source, args, context, info) => {
      const value: unknown = await resolver(source, args, context, info);
      this.note(value, context);
      return value;
    };
  }

  private note(value: unknown, context: unknown): void {
    const matched = typeof value === 'object' && value !== null ? errorTypeMap.get(value) : undefined;
    if (!matched || typeof context !== 'object' || context === null) return;
    const list = recorded.get(context) ?? [];
    list.push(this.buildCache.getTypeConfig(matched).name);
    recorded.set(context, list);
  }
}

const pluginName = 'typedFailures';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos plugins declare themselves in its global namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      typedFailures: TypedFailuresPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, TypedFailuresPlugin);

export default pluginName;
