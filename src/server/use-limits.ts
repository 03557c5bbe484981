import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { type ExecutionResult, type GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { type Plugin, createGraphQLError } from 'graphql-yoga';

/** What a single operation may ask for; every limit applies over HTTP and WebSocket alike (defaults: setting-declarations.ts). */
export interface LimitSettings {
  /** CAIRN_MAX_DEPTH: deepest selection. */
  readonly maxDepth: number;
  /** CAIRN_MAX_ALIASES */
  readonly maxAliases: number;
  /** CAIRN_MAX_COST: graphql-armor's static cost. */
  readonly maxCost: number;
  /** CAIRN_MAX_TOKENS: lexer tokens in the document. */
  readonly maxTokens: number;
  /** CAIRN_MAX_DIRECTIVES */
  readonly maxDirectives: number;
  /** CAIRN_INTROSPECTION: allow schema introspection (GraphiQL and codegen need it). */
  readonly introspection: boolean;
  /** NODE_ENV=production: no "did you mean …" suggestions that reveal the schema. */
  readonly production: boolean;
}

/**
 * Every refusal carries a code: graphql-armor's rules (depth, cost, …) report errors without one. Only errors
 * from before execution (no path) are labelled; execution errors get theirs from the error mask.
 */
function useValidationCode(): Plugin {
  const needsCode = (e: GraphQLError): boolean => !e.extensions?.code && !e.path;
  const withCode = (result: ExecutionResult): ExecutionResult =>
    result.errors?.some(needsCode)
      ? {
          ...result,
          errors: result.errors.map((e) =>
            !needsCode(e)
              ? e
              : createGraphQLError(e.message, {
                  nodes: e.nodes,
                  source: e.source,
                  positions: e.positions,
                  path: e.path,
                  extensions: { http: { status: 400 }, ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
                }),
          ),
        }
      : result;
  return {
    onResultProcess: ({ result, setResult }) => {
      if (Array.isArray(result)) setResult(result.map((r: ExecutionResult) => withCode(r)));
      else if (!(Symbol.asyncIterator in result)) setResult(withCode(result as ExecutionResult));
    },
  };
}

/**
 * graphql-armor's validation rules (depth, aliases, cost, tokens, directives, field suggestions), optional
 * introspection, and yoga's CSRF prevention: a browser's "simple" request (GET, form posts) must carry the
 * `x-graphql-yoga-csrf` header, which no other site can make a browser send without a CORS preflight.
 */
export function useLimits(settings: LimitSettings): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: settings.maxDepth },
    maxAliases: { n: settings.maxAliases },
    // Linear in depth: the default factor (1.5 per level) prices an ordinary audit page, ten levels deep, over 5000.
    costLimit: { maxCost: settings.maxCost, depthCostFactor: 1 },
    maxTokens: { n: settings.maxTokens },
    maxDirectives: { n: settings.maxDirectives },
    blockFieldSuggestion: { enabled: settings.production },
  });
  const plugins: Plugin[] = [...(armor.protect().plugins as Plugin[]), useCSRFPrevention(), useValidationCode()];
  if (!settings.introspection) {
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  }
  return plugins;
}
