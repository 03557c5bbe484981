import type { EtcdDrift } from '../domain/etcd-drift.js';
import { EventQueue } from './event-queue.js';
import { SlowSubscriberError } from './feed-errors.js';
import type { InstanceRecord } from './instance-registry.js';

/**
 * Something that changed in an environment: a release or rollout step (a commit on its branch), an instance's state, or
 * a key of its etcd prefix edited outside Cairn (and what became of that edit).
 */
export type EnvironmentEvent =
  | { readonly kind: 'release' | 'rollout'; readonly namespace: string; readonly environment: string; readonly commit: string }
  | { readonly kind: 'instance'; readonly namespace: string; readonly environment: string; readonly instance: InstanceRecord }
  | { readonly kind: 'drift'; readonly namespace: string; readonly environment: string; readonly drift: EtcdDrift };

/** Events one subscriber may have undelivered before it is cut off; the state it missed is one query away. */
export const MAX_BUFFERED_ENVIRONMENT_EVENTS = 10_000;

/**
 * The live side of environments, in this process: releases and rollout steps as Cairn commits them, and instances
 * whose applied state changed (a new instance, another version, another status; a heartbeat that changes nothing is
 * not an event, or 1,000 reports a second would be 1,000 events). Subscribers read at their own pace, each through
 * its own bounded queue.
 */
export class EnvironmentEvents {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  publish(event: EnvironmentEvent): void {
    for (const { queue, wants } of this.subscribers.get(keyOf(event.namespace, event.environment)) ?? []) if (wants(event)) queue.push(event);
  }

  /** `wants` says which events this subscriber is sent (an agent: no other instance's). */
  subscribe(namespace: string, environment: string, wants: (event: EnvironmentEvent) => boolean): AsyncIterableIterator<EnvironmentEvent> {
    const key = keyOf(namespace, environment);
    const queue = new EventQueue<EnvironmentEvent>(
      MAX_BUFFERED_ENVIRONMENT_EVENTS,
      () => new SlowSubscriberError(MAX_BUFFERED_ENVIRONMENT_EVENTS, namespace, null),
    );
    const subscriber: Subscriber = { queue, wants };
    let set = this.subscribers.get(key);
    if (!set) {
      set = new Set();
      this.subscribers.set(key, set);
    }
    set.add(subscriber);
    const leave = (): void => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(key);
    };
    const iterator: AsyncIterableIterator<EnvironmentEvent> = {
      next: () => queue.next(),
      return: () => {
        leave();
        return queue.return();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

interface Subscriber {
  readonly queue: EventQueue<EnvironmentEvent>;
  readonly wants: (event: EnvironmentEvent) => boolean;
}

function keyOf(namespace: string, environment: string): string {
  return `${namespace}\0${environment}`;
}
