import type { JsonValue } from '../domain/json-value.js';
import type { EffectiveDocument } from '../services/overlays.js';
import type { GraphQLContext } from './context.js';

/** `value` of a document of `namespace` as this reader may see it: secrets decrypted with the permission, else "[secret]". */
export function revealedValue(ctx: GraphQLContext, namespace: string, path: string, value: JsonValue): Promise<JsonValue> {
  return ctx.cairn.secrets.value(path, value, ctx.cairn.secrets.mayRead(ctx.actor, namespace));
}

/** An effective document (content and text) as this reader may see it. */
export function revealedDocument(ctx: GraphQLContext, namespace: string, doc: EffectiveDocument): Promise<EffectiveDocument> {
  return ctx.cairn.secrets.document(doc, ctx.cairn.secrets.mayRead(ctx.actor, namespace));
}
