import type { Operator } from '../domain/access.js';

/** Who is asking, as established by the server from the credentials and the connection; never from the request body. */
export interface Actor {
  readonly operator: Operator;
  /** The client's address, recorded in the Cairn-Operator-IP trailer. */
  readonly ip: string;
}
