import { matchesAny } from './glob.js';

/**
 * Whether an approval rule of the namespace policy (the parsed `.cairn/policy.json`) covers `path`: such a path
 * changes only through a change request, so the editor proposes instead of committing. An overlay
 * (`<base>.overlays/<cluster>.patch.json`) is covered when its base is, as on the server.
 */
export function governed(policy: unknown, path: string): boolean {
  const base = path.replace(/\.overlays\/[^/]+\.patch\.json$/, '');
  return approvalRules(policy).some((paths) => matchesAny(paths, path) || matchesAny(paths, base));
}

function approvalRules(policy: unknown): string[][] {
  if (typeof policy !== 'object' || policy === null || !('approvals' in policy) || !Array.isArray(policy.approvals)) return [];
  return policy.approvals.flatMap((rule: unknown) =>
    typeof rule === 'object' && rule !== null && 'paths' in rule && Array.isArray(rule.paths)
      ? [rule.paths.filter((p: unknown): p is string => typeof p === 'string')]
      : [],
  );
}
