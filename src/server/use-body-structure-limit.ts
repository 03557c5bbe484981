import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../domain/document-codec.js';
import { MAX_NESTING_DEPTH } from '../domain/document-limits.js';
import { findJsonStructureProblem, type JsonStructureLimits } from '../domain/json-syntax.js';

/**
 * yoga parses a request's JSON (the body, or the `variables` and `extensions` of a form post) on the event loop,
 * before authentication and before any resolver could refuse it, and JSON.parse cannot be interrupted: a 16 MiB
 * body of `[]` (the body cap) held the loop for 10 s, 8M values of `0` for 2 s. The text is measured first.
 *
 * The limits follow the largest request Cairn needs: a document nests at most 256 levels and holds at most about
 * maxBytes / 2 values, and the request that carries one adds a few levels; twice the nesting keeps every
 * recursive step after the parse (JSON.stringify of a payload, GraphQL coercion) far from the stack limit.
 * Larger documents travel as `text`, a string, which JSON.parse reads in one piece.
 */
export const REQUEST_STRUCTURE_LIMITS: JsonStructureLimits = {
  maxDepth: 2 * MAX_NESTING_DEPTH,
  maxContainers: DEFAULT_MAX_DOCUMENT_BYTES / 2,
  maxValues: DEFAULT_MAX_DOCUMENT_BYTES,
};

const JSON_PARAMETERS = ['variables', 'extensions'] as const;

type RequestParser = Parameters<Parameters<NonNullable<Plugin['onRequestParse']>>[0]['setRequestParser']>[0];

export function useBodyStructureLimit(limits: JsonStructureLimits = REQUEST_STRUCTURE_LIMITS): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== 'POST' || requestParser === undefined) return;
      const type = request.headers.get('content-type') ?? '';
      const form = type.includes('application/x-www-form-urlencoded');
      if (!form && !type.includes('json')) return;
      const measured = async (posted: Request): Promise<GraphQLParams | GraphQLParams[]> => {
        const text = await posted.text();
        const parts = form ? JSON_PARAMETERS.map((name) => new URLSearchParams(text).get(name) ?? '') : [text];
        for (const part of parts) refuseLargeStructure(part, limits);
        return requestParser(withBody(posted, text));
      };
      // yoga's own parser answers one request or a batch; its type says so as a union of two function types.
      setRequestParser(measured as RequestParser);
    },
  };
}

/**
 * The request as yoga's own parser expects it, its body already read as `text`. A new Request would encode the text
 * back to bytes for the parser to decode again: for a 1 MiB body, three copies and most of the request's time.
 */
function withBody(request: Request, text: string): Request {
  return new Proxy(request, {
    get(target, property) {
      if (property === 'text') return () => Promise.resolve(text);
      if (property === 'json') return () => Promise.resolve(JSON.parse(text) as unknown);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function refuseLargeStructure(json: string, limits: JsonStructureLimits): void {
  const problem = findJsonStructureProblem(json, limits);
  if (problem === null) return;
  throw createGraphQLError(`the request body is refused before parsing: ${problem.message}`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}
