/**
 * The `ci` stack as synthesized from the platform definition: GitHub's OIDC provider and, for
 * every environment and purpose, a role whose trust pins `aud` and one exact `sub` of the one
 * configured repository. Expectations derive from the definition; concrete values are in the snapshot.
 */
import { stateKey } from "@qod/core";
import {
  applySubject,
  DELIVERY_PURPOSES,
  DeliveryPurpose,
  deliveryRoleName,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  pullRequestSubject,
} from "@qod/delivery";
import { App } from "cdktf";
import { describe, expect, it } from "vitest";
import { freshDir, onlyResource, policyOf, resources, TfJson } from "../../test/helpers";
import { CI_STACK_NAME, CI_STATE_ENVIRONMENT } from "../delivery/ci-stack";
import { platform } from "../platform";
import { composePlatform } from "../shared/platform";
import { ENVIRONMENT_STACK_KINDS, stackName, synthesizedPlatform } from "./synthesized";

const delivery = platform.delivery!;
const synthesized = synthesizedPlatform();
const json: TfJson = synthesized.stack(CI_STACK_NAME);
const SUB = `${GITHUB_OIDC_HOST}:sub`;
const AUD = `${GITHUB_OIDC_HOST}:aud`;

/** Every role of the stack with its id, trust policy and attached managed policies. */
const roles = Object.entries(json.resource!.aws_iam_role as Record<string, any>).map(([id, role]) => ({
  id,
  role,
  trust: policyOf(json, role.assume_role_policy),
  policies: resources(json, "aws_iam_role_policy_attachment")
    .filter((a) => a.role === `\${aws_iam_role.${id}.name}`)
    .map((a) => json.resource!.aws_iam_policy[/^\$\{aws_iam_policy\.([\w-]+)\.arn\}$/.exec(a.policy_arn)![1]]),
}));
const roleNamed = (name: string) => {
  const found = roles.find((r) => r.role.name === name);
  if (!found) throw new Error(`no role ${name} in the ci stack`);
  return found;
};
const expectedSubject = (environment: string, purpose: DeliveryPurpose) =>
  purpose === "plan" ? pullRequestSubject(delivery.repository) : applySubject(delivery.repository, delivery.environments[environment].apply);

describe("the ci stack", () => {
  it("keeps its state at shared/ci.tfstate in the bootstrap bucket, encrypted and locked, pinned to the bootstrap account", () => {
    expect(json.terraform!.backend.s3).toEqual({
      bucket: platform.bootstrap.bucket,
      key: stateKey(CI_STATE_ENVIRONMENT, CI_STACK_NAME),
      region: platform.bootstrap.region,
      encrypt: true,
      kms_key_id: `arn:aws:kms:${platform.bootstrap.region}:${platform.bootstrap.accountId}:${platform.bootstrap.kmsAlias}`,
      use_lockfile: true,
    });
    expect(json.provider!.aws[0]).toMatchObject({ region: platform.bootstrap.region, allowed_account_ids: [platform.bootstrap.accountId] });
  });

  it("creates GitHub's OIDC provider once, for the STS audience", () => {
    expect(onlyResource(json, "aws_iam_openid_connect_provider")).toMatchObject({ url: `https://${GITHUB_OIDC_HOST}`, client_id_list: [GITHUB_OIDC_AUDIENCE] });
  });

  it("has a role per environment and purpose, named <project>-<env>-github-<purpose>, and no other", () => {
    const expected = platform.environments.flatMap((e) => DELIVERY_PURPOSES.map((purpose) => deliveryRoleName(e.project, e.name, purpose)));
    expect(roles.map((r) => r.role.name).sort()).toEqual(expected.sort());
  });

  it("pins every trust to aud = sts.amazonaws.com and one exact sub of the configured repository, with StringEquals only and no wildcard", () => {
    const providerRef = `\${aws_iam_openid_connect_provider.${Object.keys(json.resource!.aws_iam_openid_connect_provider)[0]}.arn}`;
    for (const { role, trust } of roles) {
      expect(trust.Statement, role.name).toHaveLength(1);
      const [statement] = trust.Statement;
      expect(statement, role.name).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: providerRef } });
      expect(Object.keys(statement.Condition), role.name).toEqual(["StringEquals"]);
      expect(Object.keys(statement.Condition.StringEquals).sort(), role.name).toEqual([AUD, SUB]);
      expect(statement.Condition.StringEquals[AUD], role.name).toBe(GITHUB_OIDC_AUDIENCE);
      const sub = statement.Condition.StringEquals[SUB];
      expect(typeof sub, role.name).toBe("string"); // one subject, not a list
      expect(sub, role.name).not.toMatch(/[*?[\]]/);
      expect(sub.split(":").slice(0, 2), role.name).toEqual(["repo", delivery.repository]);
    }
  });

  it.each(platform.environments.map((e) => [e.name, e] as const))("trusts %s's plan role from pull requests and its apply and push roles from its apply trigger", (name, env) => {
    for (const purpose of DELIVERY_PURPOSES) {
      const { trust } = roleNamed(deliveryRoleName(env.project, name, purpose));
      expect(trust.Statement[0].Condition.StringEquals[SUB], purpose).toBe(expectedSubject(name, purpose));
    }
    expect(roleNamed(deliveryRoleName(env.project, name, "plan")).trust.Statement[0].Condition.StringEquals[SUB]).toBe(`repo:${delivery.repository}:pull_request`);
  });

  it("lets a production environment's apply and push roles be assumed only from its GitHub environment (prod: environment:prod)", () => {
    const production = platform.environments.filter((e) => e.production);
    expect(production.length).toBeGreaterThan(0);
    for (const env of production) {
      const apply = delivery.environments[env.name].apply;
      expect("environment" in apply, env.name).toBe(true);
      for (const purpose of ["apply", "push"] as const) {
        const sub = roleNamed(deliveryRoleName(env.project, env.name, purpose)).trust.Statement[0].Condition.StringEquals[SUB];
        expect(sub, `${env.name} ${purpose}`).toMatch(/^repo:[^:]+:environment:[^:]+$/);
      }
    }
    const prod = platform.environments.find((e) => e.name === "prod");
    if (prod) expect(roleNamed(deliveryRoleName(prod.project, "prod", "apply")).trust.Statement[0].Condition.StringEquals[SUB]).toBe(`repo:${delivery.repository}:environment:prod`);
  });

  it("attaches each role's documents as managed policies <role>-1..n, and gives plan and apply at least one", () => {
    for (const { role, policies } of roles) {
      expect(policies.map((p) => p.name).sort(), role.name).toEqual(policies.map((_, i) => `${role.name}-${i + 1}`).sort());
      if (!role.name.endsWith("-push")) expect(policies.length, role.name).toBeGreaterThan(0);
    }
  });

  it("outputs the provider ARN and every role's ARN by environment and purpose", () => {
    const outputs = json.output!;
    expect(outputs.github_oidc_provider_arn.value).toMatch(/^\$\{aws_iam_openid_connect_provider\.\w+\.arn\}$/);
    for (const env of platform.environments) {
      for (const purpose of DELIVERY_PURPOSES) {
        const { id } = roleNamed(deliveryRoleName(env.project, env.name, purpose));
        expect(outputs[`${env.name}_${purpose}_role_arn`]?.value, `${env.name} ${purpose}`).toBe(`\${aws_iam_role.${id}.arn}`);
      }
    }
    expect(Object.keys(outputs)).toHaveLength(1 + platform.environments.length * DELIVERY_PURPOSES.length);
  });
});

describe("the roles follow the stacks", () => {
  const composed = composePlatform(new App({ outdir: freshDir() }), platform);

  it("scopes each environment's roles to every resource and data source type its synthesized stacks hold, its stacks in apply order and their state", () => {
    for (const env of platform.environments) {
      const scope = composed.ci!.scopes[env.name];
      const names = ENVIRONMENT_STACK_KINDS.map((kind) => stackName(env, kind));
      expect(scope.stacks).toEqual(names);
      expect(scope.state).toEqual(env.state);
      const synthesizedTypes = new Set(
        names.flatMap((name) => {
          const stack = synthesized.stack(name);
          return [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {})];
        }),
      );
      // Remote state is read from the state bucket: the scope's state, not a resource type.
      synthesizedTypes.delete("terraform_remote_state");
      expect(scope.resourceTypes, env.name).toEqual([...synthesizedTypes].sort());
    }
  });

  it("scopes each environment's push role to the repositories its infra stack creates (none when it reads replicas)", () => {
    for (const env of platform.environments) {
      const infra = synthesized.stack(stackName(env, "infra"));
      const created = resources(infra, "aws_ecr_repository").map((r) => r.name);
      expect(composed.ci!.scopes[env.name].repositories.slice().sort(), env.name).toEqual(created.sort());
    }
  });

  it("composes no ci stack, and gives no cluster access, without a delivery section", () => {
    const app = new App({ outdir: freshDir() });
    const withoutDelivery = composePlatform(app, { ...platform, delivery: undefined });
    expect(withoutDelivery.ci).toBeUndefined();
    expect(app.node.children.map((c) => c.node.id)).not.toContain(CI_STACK_NAME);
    for (const { infra } of withoutDelivery.environments) {
      const access = infra.cluster.node.children.map((c) => c.node.id).filter((id) => /^(Admin|Viewer)Access-/.test(id));
      expect(access.filter((id) => id.includes("github")), infra.node.id).toEqual([]);
      expect(access.filter((id) => id.startsWith("Viewer")), infra.node.id).toEqual([]);
    }
    // With it, the same construct ids are there: the check above can fail.
    const withIds = composed.environments.flatMap(({ infra }) => infra.cluster.node.children.map((c) => c.node.id));
    expect(withIds.filter((id) => id.startsWith("ViewerAccess-"))).toHaveLength(platform.environments.length * 2);
  });
});
