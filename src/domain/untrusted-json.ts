/**
 * A JSON object from outside Cairn's control (a message on a shared channel, a file edited by hand), or null when
 * the text is not JSON or not an object: such input is dropped, never thrown on.
 */
export function untrustedJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
