import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { platform } from "../apps/platform";
import { resourceAt, synthesizedPlatform } from "../apps/test/synthesized";
import {
  acceptedAddresses,
  CheckResult,
  checkovJunit,
  findSkipFileProblems,
  forCheckov,
  judgeCheckov,
  parseSkipFile,
  SCANNER_VERSIONS,
  SkipFile,
  tflintJunit,
  toCheckResult,
} from "../scripts/scan-lib";

const REPO = resolve(__dirname, "..");
const skipFileText = () => readFileSync(join(REPO, "security/checkov-skips.json"), "utf8");

const result = (id: string, location: string, resource: string): CheckResult => ({
  id,
  name: `title of ${id}`,
  location,
  resource,
  file: `.out/security/checkov-input/${location}/cdk.tf.json`,
});
const skips: SkipFile = {
  skips: [
    {
      id: "CKV_AWS_144",
      check: "replication",
      resources: ["bootstrap/aws_s3_bucket.StateBucket", "bootstrap/aws_s3_bucket.Logs"],
      reason: "a reason long enough to pass the minimum length of the rule",
    },
  ],
};
const passed = [result("CKV_AWS_21", "bootstrap", "aws_s3_bucket.StateBucket")];


describe("the skip file", () => {
  it("is valid, with a reason and resources for every entry", () => {
    const file = parseSkipFile(skipFileText());
    expect(file.skips.length).toBeGreaterThan(0);
    for (const skip of file.skips) expect(skip.resources.length).toBeGreaterThan(0);
  });

  it("names only resources that exist in the synthesized stacks, each scoped entry in every environment of its scope", () => {
    const synthesized = synthesizedPlatform(platform);
    const addresses = acceptedAddresses(parseSkipFile(skipFileText()), platform.environments);
    expect(addresses.length).toBeGreaterThan(0);
    for (const { skip, address } of addresses.filter((a) => !a.address.startsWith("modules/"))) {
      expect(resourceAt(synthesized, address), `${skip.id} ${address}`).toBeDefined();
    }
  });

  it("names only resources that exist in the generated modules, for entries under modules/", () => {
    const addresses = acceptedAddresses(parseSkipFile(skipFileText()), platform.environments).filter((a) => a.address.startsWith("modules/"));
    expect(addresses.length).toBeGreaterThan(0);
    for (const { skip, address } of addresses) {
      const [, dir, resource] = /^modules\/(.+)\/([^/]+)$/.exec(address) ?? [];
      const [type, name] = resource.split(".");
      const main = readFileSync(join(__dirname, "../modules", dir, "main.tf"), "utf8");
      expect(main, `${skip.id} ${address}`).toMatch(new RegExp(`^(resource|data) "${type}" "${name}" \\{`, "m"));
    }
  });

  it.each<[string, unknown, string]>([
    ["the skips array is missing", { skip: [] }, '"skips" array'],
    ["an id is not a checkov id", { skips: [{ ...skips.skips[0], id: "S3_REPLICATION" }] }, 'skips[0] (S3_REPLICATION).id: got "S3_REPLICATION"'],
    ["a reason is missing", { skips: [{ ...skips.skips[0], reason: undefined }] }, "skips[0] (CKV_AWS_144).reason"],
    ["a reason is a placeholder", { skips: [{ ...skips.skips[0], reason: "n/a" }] }, "at least 40 characters"],
    ["a skip applies to no resource (a global skip)", { skips: [{ ...skips.skips[0], resources: [] }] }, "no global skips"],
    ["a resource is a wildcard", { skips: [{ ...skips.skips[0], resources: ["bootstrap/aws_s3_bucket.*"] }] }, "no wildcards"],
    ["a resource has no stack", { skips: [{ ...skips.skips[0], resources: ["aws_s3_bucket.StateBucket"] }] }, "<stack>/<type>.<name>"],
    ["an id is listed twice", { skips: [skips.skips[0], skips.skips[0]] }, "listed twice"],
    ["a scope that is not one", { skips: [{ ...scoped, environments: "dev" }] }, 'environments: got "dev"; allowed: "all", "production", "non-production"'],
    ["a scoped resource named by stack", { skips: [{ ...scoped, resources: ["dev-infra/aws_db_instance.Database"] }] }, "<kind>/<type>.<name> with kind infra, platform, apps"],
    ["an unscoped resource named by kind only", { skips: [{ ...scoped, environments: undefined, resources: ["aws_db_instance.Database"] }] }, "<stack>/<type>.<name>"],
  ])("fails when %s", (_, value, message) => {
    expect(findSkipFileProblems(value).join("\n")).toContain(message);
    expect(() => parseSkipFile(JSON.stringify(value))).toThrow(message);
  });

  it("fails when the file is not JSON", () => {
    expect(() => parseSkipFile("{ skips: [")).toThrow("not valid JSON");
  });
});

const scoped = {
  id: "CKV_AWS_157",
  check: "multi-az",
  environments: "non-production",
  resources: ["infra/aws_db_instance.Database"],
  reason: "a reason long enough to pass the minimum length of the rule",
} as const;
const environments = [
  { name: "dev", production: false },
  { name: "prod", production: true },
  { name: "staging", production: false },
];

describe("skip entries scoped by the production flag", () => {
  it("cover the stack of their kind in every environment in scope, and no other", () => {
    const scopedFile: SkipFile = { skips: [scoped, { ...scoped, id: "CKV_AWS_18", environments: "all" }, { ...scoped, id: "CKV_AWS_19", environments: "production" }] };
    expect(acceptedAddresses(scopedFile, environments).map((a) => `${a.skip.id} ${a.address}`)).toEqual([
      "CKV_AWS_157 dev-infra/aws_db_instance.Database",
      "CKV_AWS_157 staging-infra/aws_db_instance.Database",
      "CKV_AWS_18 dev-infra/aws_db_instance.Database",
      "CKV_AWS_18 prod-infra/aws_db_instance.Database",
      "CKV_AWS_18 staging-infra/aws_db_instance.Database",
      "CKV_AWS_19 prod-infra/aws_db_instance.Database",
    ]);
  });

  it("name an environment's resources in the shared ci stack with {env}, expanded for every environment in scope", () => {
    const ci: SkipFile = { skips: [{ ...scoped, resources: ["ci/data.Delivery-{env}_plan-1-document"] }] };
    expect(findSkipFileProblems(ci)).toEqual([]);
    expect(acceptedAddresses(ci, environments).map((a) => [a.address, a.environment])).toEqual([
      ["ci/data.Delivery-dev_plan-1-document", "dev"],
      ["ci/data.Delivery-staging_plan-1-document", "staging"],
    ]);
    const failed = environments.map((e) => result("CKV_AWS_157", "ci", `data.Delivery-${e.name}_plan-1-document`));
    const verdict = judgeCheckov({ passed, failed, skipped: [], parsingErrors: [] }, ci, environments);
    expect(verdict.accepted.map((a) => a.resource)).toEqual(["data.Delivery-dev_plan-1-document", "data.Delivery-staging_plan-1-document"]);
    expect(verdict.failed.map((f) => f.resource)).toEqual(["data.Delivery-prod_plan-1-document"]);
  });

  it.each([
    ["without {env}", "ci/data.Delivery-dev_plan-1-document"],
    ["with another placeholder", "ci/data.Delivery-{name}_plan-1-document"],
    ["with a stray brace", "ci/data.Delivery-{env}_plan-{"],
    ["in another shared stack", "bootstrap/data.Delivery-{env}_plan"],
  ])("refuse a scoped ci resource %s", (_, resource) => {
    expect(findSkipFileProblems({ skips: [{ ...scoped, resources: [resource] }] }).join("\n")).toContain("ci/<type>.<name> with {env} in the name");
  });

  it("accept the failure in a new environment of their scope, and not in production", () => {
    const failed = environments.map((e) => result("CKV_AWS_157", `${e.name}-infra`, "aws_db_instance.Database"));
    const verdict = judgeCheckov({ passed, failed, skipped: [], parsingErrors: [] }, { skips: [scoped] }, environments);
    expect(verdict.accepted.map((a) => a.location)).toEqual(["dev-infra", "staging-infra"]);
    expect(verdict.failed.map((f) => f.location)).toEqual(["prod-infra"]);
  });

  it("are stale only when they accept nothing in any environment of their scope", () => {
    const oneFailure = [result("CKV_AWS_157", "staging-infra", "aws_db_instance.Database")];
    expect(judgeCheckov({ passed, failed: oneFailure, skipped: [], parsingErrors: [] }, { skips: [scoped] }, environments).stale).toEqual([]);
    expect(judgeCheckov({ passed, failed: [], skipped: [], parsingErrors: [] }, { skips: [scoped] }, environments).stale).toEqual([
      "CKV_AWS_157 non-production infra/aws_db_instance.Database",
    ]);
  });
});

describe("judging checkov's results", () => {
  it("accepts a listed failure with its reason and passes", () => {
    const verdict = judgeCheckov(
      {
        passed,
        failed: [result("CKV_AWS_144", "bootstrap", "aws_s3_bucket.StateBucket"), result("CKV_AWS_144", "bootstrap", "aws_s3_bucket.Logs")],
        skipped: [],
        parsingErrors: [],
      },
      skips,
    );
    expect(verdict.ok).toBe(true);
    expect(verdict.accepted.map((a) => a.reason)).toEqual([skips.skips[0].reason, skips.skips[0].reason]);
    expect(verdict.failed).toEqual([]);
  });

  it("fails on a failed check that is not listed, even when the id is listed for another resource", () => {
    const verdict = judgeCheckov(
      {
        passed,
        failed: [
          result("CKV_AWS_144", "bootstrap", "aws_s3_bucket.StateBucket"),
          result("CKV_AWS_144", "bootstrap", "aws_s3_bucket.Logs"),
          result("CKV_AWS_144", "dev-infra", "aws_s3_bucket.StateBucket"),
        ],
        skipped: [],
        parsingErrors: [],
      },
      skips,
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.failed).toEqual([result("CKV_AWS_144", "dev-infra", "aws_s3_bucket.StateBucket")]);
  });

  it("fails on a stale skip that no longer matches a failure", () => {
    const verdict = judgeCheckov(
      { passed, failed: [result("CKV_AWS_144", "bootstrap", "aws_s3_bucket.StateBucket")], skipped: [], parsingErrors: [] },
      skips,
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.stale).toEqual(["CKV_AWS_144 bootstrap/aws_s3_bucket.Logs"]);
  });

  it("fails on inline skips, parsing errors, and a scan that checked nothing", () => {
    const none = { passed, failed: [], skipped: [], parsingErrors: [] };
    const empty: SkipFile = { skips: [] };
    expect(judgeCheckov(none, empty).ok).toBe(true);
    expect(judgeCheckov({ ...none, skipped: [result("CKV_AWS_18", "modules/vpc", "aws_s3_bucket.x")] }, empty).ok).toBe(false);
    expect(judgeCheckov({ ...none, parsingErrors: ["dev-infra/cdk.tf.json"] }, empty).ok).toBe(false);
    expect(judgeCheckov({ ...none, passed: [] }, empty).ok).toBe(false);
  });

  it("restores the type checkov drops from some terraform_json resources, and places modules", () => {
    const record = { check_id: "CKV_AWS_338", check_name: "retention", file_path: "/dev-infra/cdk.tf.json", resource: "resource.Network_FlowLogGroup_1F868030" };
    expect(toCheckResult(record, "stacks", (l, n) => (l === "dev-infra" && n === "Network_FlowLogGroup_1F868030" ? "aws_cloudwatch_log_group" : undefined))).toMatchObject({
      location: "dev-infra",
      resource: "aws_cloudwatch_log_group.Network_FlowLogGroup_1F868030",
    });
    expect(toCheckResult({ ...record, file_path: "/vpc/main.tf", resource: "aws_vpc.this" }, "modules")).toMatchObject({
      location: "modules/vpc",
      resource: "aws_vpc.this",
      file: "modules/vpc/main.tf",
    });
    // Reached through the example's module call: the same resource of the same module.
    expect(toCheckResult({ ...record, file_path: "/vpc/main.tf", resource: "module.vpc.aws_iam_policy_document.key" }, "modules")).toMatchObject({
      location: "modules/vpc",
      resource: "aws_iam_policy_document.key",
    });
  });
});

describe("the checkov scan copy", () => {
  it("drops only terraform.required_version and the moved blocks, and leaves the stack itself alone", () => {
    const moved = [{ from: "aws_vpc.a0", to: "aws_vpc.a" }];
    const stack = { terraform: { required_version: ">= 1.10.0", backend: { local: {} } }, resource: { a: {} }, moved };
    expect(forCheckov(stack)).toEqual({ terraform: { backend: { local: {} } }, resource: { a: {} } });
    expect(stack.terraform.required_version).toBe(">= 1.10.0");
    expect(stack.moved).toBe(moved);
  });
});

describe("reports", () => {
  it("writes checkov JUnit with failures, accepted skips (as skipped) and escaped text", () => {
    const verdict = judgeCheckov(
      {
        passed: [result("CKV_AWS_21", "bootstrap", "aws_s3_bucket.StateBucket")],
        failed: [result("CKV_AWS_144", "bootstrap", "aws_s3_bucket.StateBucket"), { ...result("CKV_AWS_1", "dev-infra", "aws_iam_policy.x"), name: 'a <"quoted"> & title' }],
        skipped: [],
        parsingErrors: [],
      },
      { skips: [{ ...skips.skips[0], resources: ["bootstrap/aws_s3_bucket.StateBucket"] }] },
    );
    const xml = checkovJunit(verdict);
    expect(xml).toContain('<testsuites name="checkov" tests="3" failures="1" skipped="1">');
    expect(xml).toContain('<testsuite name="bootstrap" tests="2" failures="0" skipped="1">');
    expect(xml).toContain("a &lt;&quot;quoted&quot;&gt; &amp; title");
  });

  it("writes tflint JUnit with one case per issue and a passing case per clean stack", () => {
    const xml = tflintJunit(
      new Map([
        ["bootstrap", { issues: [], errors: [] }],
        ["dev-infra", { issues: [{ rule: { name: "aws_instance_invalid_type", severity: "error" }, message: '"t9.mega" is an invalid value', range: { filename: "cdk.tf.json", start: { line: 3 } } }], errors: [] }],
      ]),
    );
    expect(xml).toContain('<testsuites name="tflint" tests="2" failures="1" skipped="0">');
    expect(xml).toContain('<testcase name="aws_instance_invalid_type line 3" classname="tflint error"><failure message="&quot;t9.mega&quot; is an invalid value"/></testcase>');
  });
});

describe("scanner pins", () => {
  it("builds the AWS ruleset version the scan expects", () => {
    const goMod = readFileSync(join(REPO, "security/tflint-ruleset-aws/go.mod"), "utf8");
    expect(goMod).toMatch(new RegExp(`^require github\\.com/terraform-linters/tflint-ruleset-aws v${SCANNER_VERSIONS.tflintRulesetAws.version.replace(/\./g, "\\.")}$`, "m"));
  });

  it("pins exact versions", () => {
    for (const pin of Object.values(SCANNER_VERSIONS)) expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
