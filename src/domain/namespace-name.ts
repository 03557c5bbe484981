import { InvalidNamespaceError } from './errors.js';

const MAX_NAMESPACE_LENGTH = 64;
const NAMESPACE_CHARACTERS = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * A namespace name becomes a directory and part of Git ref names, so it is limited to a
 * portable lowercase alphabet and kept clear of the shapes Git itself rejects or reserves.
 */
export function validateNamespaceName(name: string): string {
  const reason = namespaceNameProblem(name);
  if (reason !== null) throw new InvalidNamespaceError(name, reason);
  return name;
}

export function isNamespaceName(name: string): boolean {
  return namespaceNameProblem(name) === null;
}

function namespaceNameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_NAMESPACE_LENGTH) return `the name is longer than ${MAX_NAMESPACE_LENGTH} characters`;
  if (name.startsWith('.')) return 'the name must not start with a dot';
  if (!NAMESPACE_CHARACTERS.test(name)) {
    return 'the name may contain only lowercase letters, digits, ".", "_" and "-", and must start with a letter or digit';
  }
  if (name.includes('..')) return 'the name must not contain ".."';
  if (name.endsWith('.')) return 'the name must not end with a dot';
  if (name.endsWith('.git')) return 'the name must not end with ".git"';
  if (name.endsWith('.lock')) return 'the name must not end with ".lock"';
  return null;
}
