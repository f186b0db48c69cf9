/** IAM condition block: the request comes on behalf of `accountId` (confused-deputy guard). */
export function fromAccount(accountId: string): Record<string, Record<string, string>> {
  return { StringEquals: { "aws:SourceAccount": accountId } };
}

/**
 * A trust policy (JSON) that lets one AWS service assume a role, optionally only under
 * `condition` (use {@link fromAccount} for service roles).
 */
export function serviceTrustPolicy(
  service: string,
  condition?: Record<string, Record<string, string>>,
  actions: readonly string[] = ["sts:AssumeRole"],
): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: actions.length === 1 ? actions[0] : [...actions],
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}
