/**
 * The namespace policy (`.cairn/policy.json`) as the console shows it. The server parses and enforces it
 * (domain/namespace-policy.ts) and refuses a policy it cannot read, so this only reads what is there, leniently.
 */
export interface ApprovalRuleSummary {
  readonly paths: readonly string[];
  readonly environments: readonly string[];
  readonly required: number;
  readonly approvers: readonly string[];
}

export interface PolicySummary {
  readonly approvals: readonly ApprovalRuleSummary[];
  readonly protectedTags: readonly string[];
  readonly emergencyRollback: boolean;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

function field(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

/** null when the file is not a JSON object (no policy, or one the server would not have accepted). */
export function policySummary(content: unknown): PolicySummary | null {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return null;
  const rules = field(content, 'approvals');
  return {
    approvals: (Array.isArray(rules) ? rules : []).flatMap((rule: unknown) =>
      typeof rule === 'object' && rule !== null
        ? [
            {
              paths: strings(field(rule, 'paths')),
              environments: strings(field(rule, 'environments')),
              required: Number(field(rule, 'required')) || 1,
              approvers: strings(field(rule, 'approvers')),
            },
          ]
        : [],
    ),
    protectedTags: strings(field(content, 'protectedTags')),
    emergencyRollback: field(content, 'emergencyRollback') === true,
  };
}
