import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  Kind,
  type OperationDefinitionNode,
  createSourceEventStream,
  execute,
  getVariableValues,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Subscription fields whose events reach every subscriber as the same object and whose types resolve from the event
 * alone (no resolver under them reads the context): the change feed. Who may see an event is decided per subscriber
 * before it reaches execution (FeedSubscription checks the token's access on every event), so subscribers of the same
 * operation with the same variables get the same result whoever they are.
 */
const SHARED_ROOT_FIELDS: ReadonlySet<string> = new Set(['changes']);

type MaybePromise<T> = T | Promise<T>;
/** Per event: per document (yoga's parse cache hands one document per query text), per operation name and variables. */
type ResultsOfEvent = WeakMap<DocumentNode, Map<string, MaybePromise<ExecutionResult>>>;

/** Executions of a subscription's selection set for an event: one per event and distinct operation when shared. */
export interface EventExecutionCounter {
  eventExecuted(): void;
}

/**
 * One change event to a thousand subscribers of the same operation is executed once, not a thousand times (issue 17):
 * the subscription's source stream is read per subscriber as before (each with its own buffer, resume point and
 * access check), but the selection set is executed once per event and operation, and every subscriber is handed the
 * same result. Operations on other fields keep the executor's own subscribe.
 */
export function useSharedEventResults(counter: EventExecutionCounter): Plugin {
  const results = new WeakMap<object, ResultsOfEvent>();
  const executeShared = (args: ExecutionArgs, key: string, event: unknown): MaybePromise<ExecutionResult> => {
    // Errors (a slow subscriber, a failed replay) are one subscriber's own and end its stream: never shared.
    if (typeof event !== 'object' || event === null || event instanceof Error) return executeOnce(args, event, counter);
    let ofEvent = results.get(event);
    if (!ofEvent) results.set(event, (ofEvent = new WeakMap()));
    let ofDocument = ofEvent.get(args.document);
    if (!ofDocument) ofEvent.set(args.document, (ofDocument = new Map()));
    let result = ofDocument.get(key);
    if (!result) ofDocument.set(key, (result = executeOnce(args, event, counter)));
    return result;
  };
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const operation = sharedOperation(args);
      if (!operation) return;
      setSubscribeFn(async (subscribeArgs) => {
        // Invalid variables: the executor's own subscribe answers them as it always did (400, BAD_USER_INPUT).
        const variables = getVariableValues(subscribeArgs.schema, operation.variableDefinitions ?? [], subscribeArgs.variableValues ?? {});
        if (variables.errors) return subscribeFn(subscribeArgs);
        const stream = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(stream)) return stream;
        const key = `${subscribeArgs.operationName ?? ''}\u0000${JSON.stringify(subscribeArgs.variableValues ?? {})}`;
        return mapEvents(stream, (event) => executeShared(subscribeArgs, key, event));
      });
    },
  };
}

function executeOnce(args: ExecutionArgs, event: unknown, counter: EventExecutionCounter): MaybePromise<ExecutionResult> {
  counter.eventExecuted();
  // graphql-js executes a subscription operation against an event as it executes a query: what "subscribe" does per event.
  return execute({ ...args, rootValue: event });
}

/** The operation to run, when it is a subscription to one shared field; else null. */
function sharedOperation(args: ExecutionArgs): OperationDefinitionNode | null {
  const operations = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = args.operationName ? operations.find((o) => o.name?.value === args.operationName) : operations.length === 1 ? operations[0] : undefined;
  if (chosen?.operation !== 'subscription') return null;
  // Fragments and directives at the root could select differently per variable: only a plain root field is shared.
  const [root, ...others] = chosen.selectionSet.selections;
  const shared = others.length === 0 && root?.kind === Kind.FIELD && !root.directives?.length && SHARED_ROOT_FIELDS.has(root.name.value);
  return shared ? chosen : null;
}

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function settled(result: MaybePromise<ExecutionResult>): MaybePromise<IteratorResult<ExecutionResult>> {
  return result instanceof Promise ? result.then((value) => ({ done: false, value })) : { done: false, value: result };
}

/** Each source event mapped to its result; closing the results closes the source (the subscriber's feed). */
function mapEvents(source: AsyncIterableIterator<unknown>, map: (event: unknown) => MaybePromise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    // Without an async function's own promise and awaits: this runs once per subscriber and event.
    next: () => source.next().then((item) => (item.done ? { done: true, value: undefined } : settled(map(item.value)))),
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      if (source.throw) await source.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
