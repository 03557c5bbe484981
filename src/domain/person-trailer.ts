/** A person as Git writes identities, "Name <email>": the value of trailers such as Cairn-Imported-By. */
export interface TrailerPerson {
  readonly name: string;
  readonly email: string;
}

export function formatPerson(person: TrailerPerson): string {
  return `${person.name} <${person.email}>`;
}

/** The person a trailer names; a value not in that shape is all name, no email. */
export function parsePerson(value: string | null | undefined): TrailerPerson | null {
  if (!value) return null;
  const match = /^(.*?)\s*<([^<>]*)>$/.exec(value);
  return match ? { name: match[1] ?? '', email: match[2] ?? '' } : { name: value, email: '' };
}
