import type { IamPolicy, IamStatement, IamValues } from "@qod/core";

/** Reading IAM documents in tests: values as lists, IAM's wildcard matching, statements by effect. */

export const asList = (values: IamValues | undefined): readonly string[] => (values === undefined ? [] : typeof values === "string" ? [values] : values);

/** IAM's matching of a pattern with `*` and `?` (actions case-insensitively, resources as written). */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

export const statements = (documents: readonly IamPolicy[]): readonly IamStatement[] => documents.flatMap((d) => d.Statement);
export const allows = (documents: readonly IamPolicy[]): readonly IamStatement[] => statements(documents).filter((s) => s.Effect === "Allow");

/** Whether `statement` names `action` (by its Action list). */
export const namesAction = (statement: IamStatement, action: string): boolean => asList(statement.Action).some((pattern) => globMatches(pattern, action, true));

/** Whether `statement` names `resource` (by its Resource list). */
export const namesResource = (statement: IamStatement, resource: string): boolean => asList(statement.Resource).some((pattern) => globMatches(pattern, resource));

/** The verbs of actions that only read (configuration, not data: `s3:GetObject` is checked apart). */
export const READ_ACTION = /^[a-z0-9-]+:(Get|List|Describe|BatchGet|Head|Search|Lookup)[A-Za-z*]*$/;

/** Whether a statement's condition pins the environment tag of the request or the resource to `environment`. */
export function pinsEnvironmentTag(statement: IamStatement, environment: string): boolean {
  const equals = statement.Condition?.StringEquals ?? {};
  return ["aws:RequestTag/environment", "aws:ResourceTag/environment"].some((key) => equals[key] === environment);
}
