/** GraphQL documents of the webhook tests. */
const ERRORS = `... on Error { __typename message code } ... on InvalidWebhookUrl { url reason } ... on Forbidden { namespace requiredRole }`;

export const WEBHOOK_FIELDS = `id namespace url pathPrefix actions environments enabled disabledReason status deliveredVersion pendingVersions
  createdBy { name email }
  lastDelivery { eventId version attempt trigger statusCode latencyMs error outcome nextAttemptAt time }`;

export const CREATE_WEBHOOK = `mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { __typename ... on WebhookSecretPayload { secret webhook { ${WEBHOOK_FIELDS} } } ${ERRORS} }
}`;

export const UPDATE_WEBHOOK = `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { __typename ... on Webhook { ${WEBHOOK_FIELDS} } ${ERRORS} } }`;

export const DELETE_WEBHOOK = `mutation($id: String!) { deleteWebhook(input: { id: $id }) { __typename ... on DeletedWebhook { id namespace } ${ERRORS} } }`;

export const ROTATE_SECRET = `mutation($id: String!) {
  rotateWebhookSecret(input: { id: $id }) { __typename ... on WebhookSecretPayload { secret webhook { id previousSecretExpiresAt } } ${ERRORS} }
}`;

export const REDELIVER = `mutation($webhookId: String!, $eventId: String!) {
  redeliver(input: { webhookId: $webhookId, eventId: $eventId }) { __typename ... on RedeliverPayload { version eventId redelivery } ${ERRORS} }
}`;

export const WEBHOOK = `query($id: String!, $first: Int, $after: String) {
  webhook(id: $id) { __typename ... on Webhook { ${WEBHOOK_FIELDS}
    deliveries(first: $first, after: $after) {
      edges { cursor node { eventId version attempt trigger statusCode latencyMs error outcome nextAttemptAt time } }
      pageInfo { hasNextPage endCursor }
    } } ${ERRORS} }
}`;

export const WEBHOOKS = `query($ns: String!) { webhooks(namespace: $ns) { __typename ... on WebhooksSuccess { data { id url } } ${ERRORS} } }`;

export interface Delivery {
  eventId: string;
  version: string;
  attempt: number;
  trigger: 'EVENT' | 'REDELIVER';
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  outcome: 'DELIVERED' | 'RETRYING' | 'FAILED' | 'DISABLED';
  nextAttemptAt: string | null;
  time: string;
}

export interface WebhookData {
  __typename: string;
  id: string;
  namespace: string;
  url: string;
  pathPrefix: string | null;
  actions: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  status: 'ACTIVE' | 'RETRYING' | 'FAILING' | 'DISABLED';
  deliveredVersion: string | null;
  pendingVersions: number;
  createdBy: { name: string; email: string };
  lastDelivery: Delivery | null;
  deliveries?: { edges: { cursor: string; node: Delivery }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  message?: string;
  reason?: string;
}
