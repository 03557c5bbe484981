import { InvalidTagNameError } from './errors.js';

/**
 * Git's rules for ref names, as `git check-ref-format <name>` applies them by default (no --allow-onelevel,
 * --refspec-pattern or --normalize); see git-check-ref-format(1). Returns why a name is refused, or null.
 */
export function refNameProblem(name: string): string | null {
  if (name === '@') return "is '@'";
  if (name.includes('@{')) return "contains '@{'";
  if (name.endsWith('.')) return "ends with '.'";
  const bad = /[\0-\x20\x7f~^:?*[\\]/u.exec(name);
  if (bad) return `contains ${JSON.stringify(bad[0])}`;
  const components = name.split('/');
  if (components.length < 2) return "has no '/' (a single level)";
  for (const component of components) {
    if (component === '') return "has an empty component (leading, trailing or double '/')";
    if (component.startsWith('.')) return "has a component starting with '.'";
    if (component.endsWith('.lock')) return "has a component ending with '.lock'";
  }
  if (name.includes('..')) return "contains '..'";
  return null;
}

export function isValidRefName(name: string): boolean {
  return refNameProblem(name) === null;
}

const MAX_TAG_NAME = 200;
/** Names the reference resolver reads as something else first: a hash, `HEAD`, `main`, a full `refs/…` name. */
const SHADOWED = /^(?:[0-9a-f]{4,40}|HEAD|main|refs\/.*)$/;

/**
 * A tag name as Cairn accepts it: `refs/tags/<name>` must pass git's rules, and the name must not read as a
 * hash, `HEAD`, `main` or a full ref name (a version argument would never reach the tag) nor exceed 200 characters.
 */
export function validateTagName(name: string): string {
  if (name.length === 0) throw new InvalidTagNameError(name, 'is empty');
  if (name.length > MAX_TAG_NAME) throw new InvalidTagNameError(name, `is longer than ${MAX_TAG_NAME} characters`);
  const problem = refNameProblem(`refs/tags/${name}`);
  if (problem) throw new InvalidTagNameError(name, problem);
  if (SHADOWED.test(name)) throw new InvalidTagNameError(name, 'reads as a hash, HEAD, main or a full ref name');
  return name;
}
