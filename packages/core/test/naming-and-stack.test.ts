import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { App, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { EnvironmentStack, movedFrom, Naming, RequiredTagsAspect, requireProvider, stateKey, VERSIONS, SUPPORTED_EKS_VERSIONS } from "../src";
import { devConfig, freshDir, TfJson } from "../../../test/helpers";
import { Aspects, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

describe("Naming", () => {
  it("names resources <project>-<env>-<component>", () => {
    const naming = new Naming("qod", "dev");
    expect(naming.name("eks")).toBe("qod-dev-eks");
    expect(naming.prefix).toBe("qod-dev");
  });

  it("fails when a part breaks the naming rules", () => {
    expect(() => new Naming("QOD", "dev")).toThrow(/naming\.project: got "QOD"/);
    expect(() => new Naming("qod", "dev").name("Flow_Logs")).toThrow(/component: got "Flow_Logs"/);
  });
});

describe("movedFrom", () => {
  it("moves the address a resource had under its former construct id to its current one", () => {
    const under = (id: string, former?: string): TfJson =>
      JSON.parse(
        Testing.synthScope((scope) => {
          const vpc = new Vpc(new Construct(scope, "Network"), id, { cidrBlock: "10.0.0.0/16" });
          if (former) movedFrom(vpc, former);
        }),
      );
    const before = Object.keys(under("Vpc0").resource!.aws_vpc)[0];
    const after = under("Vpc-a", "Vpc0");
    expect(after.moved).toEqual([{ from: `aws_vpc.${before}`, to: `aws_vpc.${Object.keys(after.resource!.aws_vpc)[0]}` }]);
    expect(Object.keys(after.resource!.aws_vpc)).toHaveLength(1);
  });
});

describe("EnvironmentStack", () => {
  function synth(): TfJson {
    const app = Testing.app();
    const stack = new EnvironmentStack(app, { config: devConfig(), component: "infra" });
    return JSON.parse(Testing.synth(stack));
  }

  it("pins the provider to the account and region with the required default tags", () => {
    const provider = synth().provider!.aws[0];
    expect(provider.region).toBe("eu-west-1");
    expect(provider.allowed_account_ids).toEqual(["111111111111"]);
    expect(provider.default_tags[0].tags).toEqual({
      project: "qod",
      environment: "dev",
      owner: "platform-team",
      "managed-by": "cdktf",
    });
  });

  it("stores state at <env>/<stack>.tfstate, encrypted with the state key, with native locking", () => {
    const terraform = synth().terraform!;
    expect(terraform.backend.s3).toEqual({
      bucket: "qod-tfstate-111111111111-eu-west-1",
      key: "dev/dev-infra.tfstate",
      region: "eu-west-1",
      encrypt: true,
      kms_key_id: "arn:aws:kms:eu-west-1:111111111111:alias/qod-tfstate",
      use_lockfile: true,
    });
    expect(terraform.required_version).toBe(VERSIONS.terraform.version);
    expect(stateKey("prod", "prod-apps")).toBe("prod/prod-apps.tfstate");
  });
});

describe("RequiredTagsAspect", () => {
  function stackWith(providerTags: Record<string, string> | undefined, ownTags?: Record<string, string>) {
    const app = new App({ outdir: freshDir() });
    const stack = new TerraformStack(app, "tags");
    new AwsProvider(stack, "aws", { region: "eu-west-1", defaultTags: providerTags ? [{ tags: providerTags }] : undefined });
    new Vpc(stack, "Vpc", { cidrBlock: "10.0.0.0/16", tags: ownTags });
    Aspects.of(stack).add(new RequiredTagsAspect());
    return app;
  }

  it("fails synth when a taggable resource lacks required tags, naming them", () => {
    const app = stackWith({ project: "qod", environment: "dev" });
    expect(() => app.synth()).toThrow(/aws_vpc is missing required tag\(s\) owner, managed-by/);
  });

  it("counts the resource's own tags together with the provider's default tags", () => {
    const app = stackWith({ project: "qod", environment: "dev" }, { owner: "me", "managed-by": "cdktf" });
    expect(() => app.synth()).not.toThrow();
  });

  it("fails synth when there are no default tags at all", () => {
    expect(() => stackWith(undefined).synth()).toThrow(/missing required tag\(s\) project, environment, owner, managed-by/);
  });
});

describe("requireProvider", () => {
  it("declares a provider without a binding once per stack, pinned to its exact version", () => {
    const json: TfJson = JSON.parse(
      Testing.synthScope((scope) => {
        expect(requireProvider(scope, "random", "hashicorp/random")).toBe(requireProvider(scope, "random", "hashicorp/random"));
      }),
    );
    expect(json.terraform!.required_providers.random).toEqual({ source: "hashicorp/random", version: VERSIONS.providers.random.version });
    expect(json.provider!.random).toEqual([{}]);
  });
});

describe("VERSIONS", () => {
  it("dates every pin and keeps the EKS version inside the supported table", () => {
    const pins = [VERSIONS.terraform, ...Object.values(VERSIONS.providers), ...Object.values(VERSIONS.eks)];
    for (const pin of pins) expect(pin.chosen).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(SUPPORTED_EKS_VERSIONS)).toContain(VERSIONS.eks.kubernetes.version);
  });

  it("pins every chart and Cluster Autoscaler image exactly, with a date and a source", () => {
    for (const [name, pin] of Object.entries({ ...VERSIONS.charts, ...VERSIONS.clusterAutoscalerImage })) {
      expect(pin.version, name).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(pin.chosen, name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(pin.note.length, name).toBeGreaterThan(20);
    }
  });

  it("has a Cluster Autoscaler image for every supported Kubernetes minor", () => {
    expect(Object.keys(VERSIONS.clusterAutoscalerImage).sort()).toEqual(Object.keys(SUPPORTED_EKS_VERSIONS).sort());
  });

  it("has a pin for every EKS add-on for every supported Kubernetes minor, and no pins for other minors", () => {
    expect(Object.keys(VERSIONS.eksAddons).sort()).toEqual(Object.keys(SUPPORTED_EKS_VERSIONS).sort());
    const rows: Record<string, Record<string, { version: string; chosen: string; note: string }>> = VERSIONS.eksAddons;
    const addons = [...new Set(Object.values(rows).flatMap((row) => Object.keys(row)))].sort();
    expect(addons).toContain("kube-proxy");
    for (const minor of Object.keys(SUPPORTED_EKS_VERSIONS)) {
      const row = rows[minor] ?? {};
      expect(Object.keys(row).sort(), minor).toEqual(addons);
      for (const [name, pin] of Object.entries(row)) {
        expect(pin.version, `${minor} ${name}`).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
        expect(pin.chosen, `${minor} ${name}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(pin.note.length, `${minor} ${name}`).toBeGreaterThan(20);
      }
      // kube-proxy is built per minor: its minor must be the row's.
      expect(row["kube-proxy"]?.version, minor).toMatch(new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+-`));
    }
  });

  it("matches the provider versions the installed bindings were generated for", async () => {
    const aws = await import("@cdktf/provider-aws/lib/provider");
    expect(aws.AwsProvider.tfResourceType).toBe("aws");
    const meta = JSON.parse(
      (await import("node:fs")).readFileSync(require.resolve("@cdktf/provider-aws/package.json"), "utf8"),
    );
    expect(meta.cdktf.provider.version).toBe(VERSIONS.providers.aws.version);
  });
});
