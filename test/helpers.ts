import type { ClusterConfig } from "@qod/eks";
import type { EnvironmentConfig } from "../apps/shared/environment-config";
import { dev } from "../apps/dev/config";
import { prod } from "../apps/prod/config";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Synthesized Terraform JSON, as far as tests read it. */
export interface TfJson {
  terraform?: Record<string, any>;
  provider?: Record<string, any[]>;
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
  moved?: { from: string; to: string }[];
}

/** The resources of one type, as a list (empty when there are none). */
export function resources(json: TfJson, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The one resource of `type`; fails the test when there is not exactly one. */
export function onlyResource(json: TfJson, type: string): any {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

export function freshDir(prefix = "qod-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A valid non-production config to derive bad ones from: the real dev config with only the
 * required tag, so tests see exactly the tags they set.
 */
export function devConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { ...dev, tags: { owner: "platform-team" }, ...overrides };
}

/** A valid production config: the real prod config with only the required tag. */
export function prodConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { ...prod, tags: { owner: "platform-team" }, ...overrides };
}

/** A cluster config with `patch` applied on top of `base`'s. */
export function withCluster(base: EnvironmentConfig, patch: Partial<ClusterConfig>): EnvironmentConfig {
  return { ...base, cluster: { ...base.cluster, ...patch } };
}

/** An IAM policy as AWS receives it: `{ Version, Statement: [{ Sid, Effect, Principal, Action, … }] }`. */
export interface IamPolicyJson {
  Version?: string;
  Statement: any[];
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** One value as a string, several as a list: how the provider renders a policy document's lists. */
const oneOrMany = (values: string[]): string | string[] => (values.length === 1 ? values[0] : values);

/** Principal blocks as IAM JSON: `type = "*"` with `["*"]` is `"*"`, the rest `{ type: id | ids }`. */
function principalOf(blocks: any[]): unknown {
  if (blocks.length === 0) return undefined;
  if (blocks.length === 1 && blocks[0].type === "*" && asList(blocks[0].identifiers).join() === "*") return "*";
  const byType: Record<string, string[]> = {};
  for (const block of blocks) byType[block.type] = [...(byType[block.type] ?? []), ...asList<string>(block.identifiers)];
  return Object.fromEntries(Object.entries(byType).map(([type, ids]) => [type, oneOrMany(ids)]));
}

const POLICY_DOCUMENT_REF = /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}$/;

/**
 * The policy a `policy` / `assume_role_policy` attribute of a synthesized stack holds, in IAM's
 * JSON shape, whether it is a JSON string or a reference to an `aws_iam_policy_document` of the
 * stack (`${data.aws_iam_policy_document.NAME.json}`). A document is rendered the way the AWS
 * provider renders it: `Effect` defaults to Allow, a list of one value becomes that value, the
 * principal `*` with `["*"]` becomes `"*"`, `condition` blocks become
 * `{ test: { variable: value(s) } }`. Lists keep their order (the provider sorts them, which IAM
 * ignores). Fails the test on anything else (a document built from other documents, a missing one).
 */
export function policyOf(json: TfJson, policy: unknown): IamPolicyJson {
  if (typeof policy !== "string") throw new Error(`not a policy: ${JSON.stringify(policy)}`);
  const ref = POLICY_DOCUMENT_REF.exec(policy);
  if (!ref) return JSON.parse(policy) as IamPolicyJson;
  const doc = json.data?.aws_iam_policy_document?.[ref[1]];
  if (!doc) throw new Error(`${policy} refers to no data.aws_iam_policy_document of the stack`);
  const unsupported = ["source_policy_documents", "override_policy_documents", "source_json", "override_json"].filter((key) => key in doc);
  if (unsupported.length > 0) throw new Error(`data.aws_iam_policy_document.${ref[1]} uses ${unsupported.join(", ")}, which policyOf does not render`);
  const statement = asList<any>(doc.statement).map((s) => {
    const rendered: Record<string, unknown> = { Sid: s.sid, Effect: s.effect ?? "Allow" };
    rendered.Principal = principalOf(asList(s.principals));
    rendered.NotPrincipal = principalOf(asList(s.not_principals));
    for (const [key, attribute] of [["Action", "actions"], ["NotAction", "not_actions"], ["Resource", "resources"], ["NotResource", "not_resources"]]) {
      if (s[attribute] !== undefined) rendered[key] = oneOrMany(asList(s[attribute]));
    }
    const conditions = asList<any>(s.condition);
    if (conditions.length > 0) {
      const byTest: Record<string, Record<string, string | string[]>> = {};
      for (const c of conditions) byTest[c.test] = { ...byTest[c.test], [c.variable]: oneOrMany(asList(c.values)) };
      rendered.Condition = byTest;
    }
    return Object.fromEntries(Object.entries(rendered).filter(([, value]) => value !== undefined));
  });
  return { Version: doc.version ?? "2012-10-17", Statement: statement };
}
