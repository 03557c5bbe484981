/**
 * A JSON value held as its JSON text (as `JSON.stringify` wrote it), for a reader that only passes it on: building
 * a 1 MiB document's value and serializing it again into a response cost tens of milliseconds of the event loop.
 */
export class SerializedJson {
  constructor(readonly json: string) {}
}
