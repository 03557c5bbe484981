import type { Signature } from '../git/object-format.js';

/** Signatures at one instant, in UTC as Cairn records every time (commits, and the tagger of a tag). */
export function signer(at: Date): (who: { readonly name: string; readonly email: string }) => Signature {
  const timestamp = Math.floor(at.getTime() / 1000);
  return (who) => ({ name: who.name, email: who.email, timestamp, timezoneOffset: 0 });
}
