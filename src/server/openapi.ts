import type { IncomingMessage, ServerResponse } from 'node:http';

export const OPENAPI_PATH = '/v1/openapi.json';

const json = (schema: object): object => ({ 'application/json': { schema } });
const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` });
const failure = (description: string): object => ({ description, content: json(ref('Failure')) });
const query = (name: string, description: string, schema: object = { type: 'string' }): object => ({ name, in: 'query', required: false, description, schema });
const path = (name: string, description: string): object => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const VERSION_QUERIES = [
  query('at', 'A version of main (hash, short hash, tag, HEAD~N). Not with env.'),
  query('env', 'An environment: what its release released (with instance: what that instance runs during a rollout).'),
  query('instance', "With env: the instance's id; the version is the one it should run."),
  query('label', 'With instance: one of its labels, name=value (repeat for several); canary selectors match them.', {
    type: 'array',
    items: { type: 'string' },
  }),
  query('cluster', 'The cluster whose overlay is applied; without one, the base documents.'),
];
const WAIT = query('wait', 'With If-None-Match: a long-poll held up to this long (500ms, 30s, 2m; at most 5m).', {
  type: 'string',
  pattern: '^[0-9]+(ms|s|m)$',
});
const IF_NONE_MATCH = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  description: 'The ETag (quoted version) the client has.',
  schema: { type: 'string' },
};
const ETAG = { ETag: { description: 'The version, quoted.', schema: { type: 'string' } } };
const COMMON_FAILURES = {
  '304': { description: 'Not modified: the version (or, for a document long-poll, its content) is still the one If-None-Match names.', headers: ETAG },
  '400': failure('Invalid input (a malformed path, version or wait).'),
  '401': failure('No bearer token, or an unknown, revoked or expired one.'),
  '403': failure("The token's role does not reach this namespace or environment."),
  '404': failure('No such namespace, document, version or environment (or no release yet).'),
  '503': failure('Not ready, or too many long-polls held: ask again.'),
};

/**
 * The plain HTTP APIs as OpenAPI 3.1, served at /v1/openapi.json: the read API (documents, bundles, long-poll) and
 * the agents' API (desired version, reports). Kept beside the handlers it describes; test/api/openapi.test.ts checks
 * the answers of a real server against these schemas.
 */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Cairn plain HTTP API',
    version: '1',
    description:
      'Read configuration without a GraphQL client: curl, shell scripts, init containers, agents. The same bearer tokens and roles as GraphQL. Failures are {"error":{"code","message"}} with their HTTP status.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Failure: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
      },
      Bundle: {
        type: 'object',
        required: ['namespace', 'version', 'cluster', 'documents'],
        properties: {
          namespace: { type: 'string' },
          version: { type: 'string', pattern: '^[0-9a-f]{40}$' },
          cluster: { type: ['string', 'null'] },
          documents: {
            type: 'object',
            description: 'Document path → its value (format=json, the default) or its text (format=text).',
            additionalProperties: true,
          },
        },
      },
      Desired: {
        type: 'object',
        required: ['namespace', 'environment', 'cluster', 'instance', 'version'],
        properties: {
          namespace: { type: 'string' },
          environment: { type: 'string' },
          cluster: { type: 'string' },
          instance: { type: 'string' },
          version: { type: ['string', 'null'], description: 'null before the first release.' },
        },
      },
      Report: {
        type: 'object',
        required: ['instance', 'cluster'],
        properties: {
          instance: { type: 'string' },
          cluster: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          version: { type: ['string', 'null'], description: 'The version applied.' },
          status: { enum: ['APPLIED', 'FAILED', null] },
          message: { type: ['string', 'null'], description: 'Why it failed (at most 2,000 characters).' },
        },
      },
      ReportAnswer: {
        type: 'object',
        required: ['instance', 'desiredVersion', 'appliedVersion', 'status'],
        properties: {
          instance: { type: 'string' },
          desiredVersion: { type: ['string', 'null'] },
          appliedVersion: { type: ['string', 'null'] },
          status: { type: ['string', 'null'] },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/config/{namespace}/{path}': {
      get: {
        summary: 'One document, as text in its own format or as JSON',
        parameters: [
          path('namespace', 'The namespace.'),
          path('path', "The document's path (slashes included)."),
          ...VERSION_QUERIES,
          query('format', 'json: the value as JSON; absent: the text in its own format.', { enum: ['json'] }),
          WAIT,
          IF_NONE_MATCH,
        ],
        responses: {
          '200': {
            description: 'The document. A long-poll answers once its content differs from the one If-None-Match names.',
            headers: { ...ETAG, 'X-Cairn-Version': { schema: { type: 'string' } } },
            content: { 'application/json': { schema: {} }, 'application/yaml': { schema: { type: 'string' } } },
          },
          ...COMMON_FAILURES,
        },
      },
    },
    '/v1/bundle/{namespace}': {
      get: {
        summary: 'Every document under a prefix at one version (never a mix of two)',
        parameters: [
          path('namespace', 'The namespace.'),
          query('prefix', 'Only documents whose path starts with this (default: all).'),
          ...VERSION_QUERIES,
          query('format', 'json (the default): values; text: each document as text in its own format.', { enum: ['json', 'text'] }),
          WAIT,
          IF_NONE_MATCH,
        ],
        responses: {
          '200': { description: 'The bundle. A long-poll answers once the version asked for is another one.', headers: ETAG, content: json(ref('Bundle')) },
          ...COMMON_FAILURES,
        },
      },
    },
    '/v1/audit/{namespace}': {
      get: {
        summary: 'The audit log, newest first, as CSV or JSON Lines (at most 100,000 entries)',
        parameters: [
          path('namespace', 'The namespace.'),
          query('format', 'jsonl (the default) or csv (RFC 4180, a header row, formulas defused).', { enum: ['jsonl', 'csv'] }),
          query('operator', "A part of the operator's name or email, case-insensitive."),
          query('action', 'A commit action: create, update, delete, rollback, revert, merge, import, release, ...'),
          query('path', 'Only entries changing this document.'),
          query('since', 'ISO 8601.', { type: 'string', format: 'date-time' }),
          query('until', 'ISO 8601.', { type: 'string', format: 'date-time' }),
        ],
        responses: {
          '200': {
            description: 'One entry per line: version, time, action, operatorName, operatorEmail, operatorIp, comment, paths.',
            content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          ...COMMON_FAILURES,
        },
      },
    },
    '/v1/backup': {
      get: {
        summary: 'The repositories a backup holds (cairn backup; admin of *)',
        responses: {
          '200': {
            description: 'Every namespace by name, then .cairn (the system repository) when there is one.',
            content: json({ type: 'object', required: ['repositories'], properties: { repositories: { type: 'array', items: { type: 'string' } } } }),
          },
          ...COMMON_FAILURES,
        },
      },
    },
    '/v1/backup/{repository}': {
      get: {
        summary: 'One repository as a Git bundle of one consistent snapshot of its refs (cairn backup; admin of *)',
        parameters: [path('repository', 'A namespace, or .cairn for the system repository.')],
        responses: {
          '200': {
            description: 'A v2 Git bundle: `git bundle verify` and `git clone` read it.',
            content: { 'application/x-git-bundle': { schema: { type: 'string' } } },
          },
          ...COMMON_FAILURES,
        },
      },
    },
    '/v1/environments/{namespace}/{environment}/desired': {
      get: {
        summary: 'The version an instance should run',
        parameters: [
          path('namespace', 'The namespace.'),
          path('environment', 'The environment.'),
          { ...query('instance', "The instance's id."), required: true },
          { ...query('cluster', "The instance's cluster."), required: true },
          query('label', 'One of its labels, name=value (repeat for several).', { type: 'array', items: { type: 'string' } }),
          IF_NONE_MATCH,
        ],
        responses: { '200': { description: 'What it should run.', headers: ETAG, content: json(ref('Desired')) }, ...COMMON_FAILURES },
      },
    },
    '/v1/environments/{namespace}/{environment}/reports': {
      post: {
        summary: 'What an instance applied (also its heartbeat)',
        parameters: [path('namespace', 'The namespace.'), path('environment', 'The environment.')],
        requestBody: { required: true, content: json(ref('Report')) },
        responses: { '200': { description: 'Recorded; what it should run.', content: json(ref('ReportAnswer')) }, ...COMMON_FAILURES },
      },
    },
  },
} as const;

const BODY = JSON.stringify(OPENAPI_DOCUMENT);

/** The document itself needs no token: it says what the API is, not what it holds. */
export function answerOpenApi(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end('{"error":{"code":"METHOD_NOT_ALLOWED","message":"GET only"}}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(BODY);
}
