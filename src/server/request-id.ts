import { randomUUID } from 'node:crypto';

/** A caller's X-Request-Id is kept when it is short and plain (so logs can be joined across services), else replaced. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && /^[A-Za-z0-9._:-]{1,100}$/.test(header) ? header : randomUUID();
}
