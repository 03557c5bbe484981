import { DEFAULT_POLICY, type NamespacePolicy, POLICY_PATH, parseNamespacePolicy } from '../domain/namespace-policy.js';
import type { GitRepository } from '../git/repository.js';
import { parseStoredText } from './document-parser.js';

/** Parsed policies by blob id: every write reads the policy, and it rarely changes. */
const parsed = new Map<string, NamespacePolicy>();
const MAX_PARSED = 256;

/** The policy in force at `commitOid` (default: the head); no policy file means the default, permissive one. */
export async function policyAt(repo: GitRepository, commitOid: string | null = repo.head()?.oid ?? null): Promise<NamespacePolicy> {
  if (!commitOid) return DEFAULT_POLICY;
  const blob = await repo.blobAt(commitOid, POLICY_PATH);
  if (!blob) return DEFAULT_POLICY;
  const cached = parsed.get(blob);
  if (cached) return cached;
  const text = await repo.readText(blob);
  const policy = parseNamespacePolicy(await parseStoredText(POLICY_PATH, text, blob));
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(blob, policy);
  return policy;
}
