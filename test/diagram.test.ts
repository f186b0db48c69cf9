import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { platform } from "../apps/platform";
import type { EnvironmentConfig } from "../apps/shared/environment-config";
import { environmentStackNames, PlatformDefinition } from "../apps/shared/platform";
import { environmentWhere, SynthesizedPlatform, synthesizedPlatform } from "../apps/test/synthesized";
import { withStaging } from "../apps/test/third-environment";
import {
  buildDiagram,
  crc32,
  DiagramFiles,
  diagramDrift,
  diagramFiles,
  environmentModel,
  imagesToRender,
  nodeId,
  pngStamp,
  pngText,
  Renderer,
  renderDot,
  renderMermaid,
  renderStamped,
  sha256,
  stampPng,
  StackJson,
  svgStamp,
  withPngText,
} from "../scripts/diagram-lib";
import { SYSTEM_PACKAGES } from "../scripts/setup-system";
import { resources, TfJson } from "./helpers";

const REPO = resolve(__dirname, "..");
const ARCHITECTURE = join(REPO, "docs/architecture");

/** Each environment's stacks, from a synthesized definition, as scripts/diagram.ts reads them. */
function stacksOf(synthesized: SynthesizedPlatform, environment: EnvironmentConfig): StackJson[] {
  return environmentStackNames(environment).map((name) => ({ name, json: synthesized.stack(name) as StackJson["json"] }));
}

function filesOf(definition: PlatformDefinition): DiagramFiles {
  const synthesized = synthesizedPlatform(definition);
  return diagramFiles(definition.environments.map((e) => ({ name: e.name, production: e.production, stacks: stacksOf(synthesized, e) })));
}

const appLabel = (r: any): string => r.spec.template.metadata.labels["app.kubernetes.io/name"];
const edge = (from: string, to: string) => new RegExp(`^  ${from} -> ${to} \\[`, "m");

/** A fake Graphviz: "renders" a PNG or SVG whose content is the DOT's hash, under a version line. */
function fakeRenderer(version = "dot - graphviz version 0.0.0 (test)"): Renderer {
  return {
    version,
    render: (dot, format) => (format === "svg" ? Buffer.from(`<?xml version="1.0"?>\n<svg><!-- ${sha256(dot)} --></svg>\n`) : tinyPng(sha256(dot).slice(0, 8))),
  };
}

/** A valid 1x1 PNG (IHDR, IDAT, IEND) whose IDAT differs with `seed`. */
function tinyPng(seed = ""): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(seed ? [chunk("tEXt", Buffer.from(`seed\u0000${seed}`, "latin1"))] : []),
    chunk("IDAT", deflateSync(Buffer.from([0, 0]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** An in-memory docs/architecture holding exactly what `files` asks for, rendered by `renderer`. */
function folderOf(files: DiagramFiles, renderer: Renderer): Map<string, Buffer> {
  const folder = new Map<string, Buffer>();
  for (const [rel, text] of Object.entries(files.text)) folder.set(rel, Buffer.from(text));
  for (const [rel, dot] of Object.entries(files.rendered)) folder.set(rel, renderStamped(renderer, dot, rel.endsWith(".png") ? "png" : "svg"));
  return folder;
}

const driftOf = (files: DiagramFiles, folder: Map<string, Buffer>, renderer?: Renderer) =>
  diagramDrift(files, { existing: [...folder.keys()], read: (rel) => folder.get(rel)!, ...(renderer ? { renderer } : {}) });

describe("the architecture diagram is derived from each environment's synthesized stacks", () => {
  const synthesized = synthesizedPlatform();
  const files = filesOf(platform);

  for (const environment of platform.environments) {
    describe(environment.name, () => {
      const stacks = stacksOf(synthesized, environment);
      const all = (type: string) => stacks.flatMap((s) => resources(s.json as TfJson, type));
      const dot = files.text[`${environment.name}.dot`];
      const model = environmentModel(environment.name, stacks);

      it("writes a DOT, an SVG and a PNG for the environment, and a README section", () => {
        expect(dot).toBeDefined();
        expect(files.rendered[`${environment.name}.svg`]).toBe(dot);
        expect(files.rendered[`${environment.name}.png`]).toBe(dot);
        expect(files.text["README.md"]).toContain(`![${environment.name} architecture](${environment.name}.png)`);
      });

      it("draws every subnet in its tier and zone, every NAT gateway and the internet gateway", () => {
        const subnets = all("aws_subnet");
        expect(subnets.length).toBeGreaterThan(0);
        for (const s of subnets) {
          const zone = s.availability_zone.slice(environment.region.length);
          expect(dot).toContain(`${nodeId("subnet", s.tags.tier, zone)} [label="${s.tags.tier} ${zone}\\n${s.cidr_block}`);
        }
        const nats = all("aws_nat_gateway");
        expect(dot.match(/^ +nat_\w+ \[label="NAT gateway /gm)?.length ?? 0).toBe(nats.length);
        // every private subnet names the NAT gateway its default route uses
        expect(dot.match(/out via NAT /g)?.length).toBe(subnets.filter((s) => s.tags.tier === "private").length);
        expect(dot).toMatch(/^ +igw \[label="internet gateway"/m);
      });

      it("draws the cluster, every node group with its instance types and sizes, and every EKS add-on", () => {
        const groups = all("aws_eks_node_group");
        expect(groups.length).toBeGreaterThan(0);
        for (const g of groups) {
          const name = g.node_group_name ?? g.node_group_name_prefix.replace(/-$/, "");
          expect(dot).toContain(`node group ${name}\\n${g.instance_types.join(", ")} · ${g.scaling_config.min_size}–${g.scaling_config.max_size} nodes`);
        }
        for (const a of all("aws_eks_addon")) expect(dot).toContain(a.addon_name);
        expect(dot).toContain(`EKS ${all("aws_eks_cluster")[0].name} (Kubernetes ${all("aws_eks_cluster")[0].version})`);
      });

      it("draws every helm_release of the platform and apps stacks in its namespace", () => {
        const releases = all("helm_release");
        expect(releases.length).toBeGreaterThan(0);
        for (const r of releases) {
          expect(dot).toContain(r.name);
          expect(model.releases.find((m) => m.name === r.name)?.namespace).not.toMatch(/\$\{/);
        }
        for (const ns of model.namespaces) expect(dot).toContain(`subgraph ${nodeId("cluster_ns", ns)} {`);
      });

      it("draws every Deployment and Job by its app label, RDS, ECR, the backup vaults, the zone and the certificate", () => {
        const deployments = all("kubernetes_deployment_v1");
        expect(deployments.length).toBeGreaterThan(0);
        for (const d of [...deployments, ...all("kubernetes_job_v1")]) expect(dot).toMatch(new RegExp(`^ +${nodeId("workload", appLabel(d))} \\[`, "m"));
        const db = all("aws_db_instance")[0];
        expect(dot).toContain(`${db.identifier}\\n${db.instance_class} · ${db.multi_az ? "Multi-AZ" : "single-AZ"}`);
        for (const repo of all("aws_ecr_repository")) expect(dot).toContain(repo.name);
        for (const vault of all("aws_backup_vault")) expect(dot).toContain(`Backup vault ${vault.name}`);
        const zone = environment.hostedZone;
        if (zone) expect(dot).toContain(`Route 53 zone\\n${zone.name}`);
        else expect(dot).not.toContain("Route 53 zone");
        expect(dot).toContain(`ACM certificate\\n${all("aws_acm_certificate")[0].domain_name}`);
      });

      it("draws the traffic: internet → ALB from the Ingresses → their backends → redis and RDS from the NetworkPolicies", () => {
        const ingresses = all("kubernetes_ingress_v1");
        const groups = new Set(ingresses.map((i) => i.metadata.annotations["alb.ingress.kubernetes.io/group.name"]));
        expect(groups.size).toBe(1);
        const alb = nodeId("alb", [...groups][0]);
        expect(dot).toMatch(edge("internet", "igw"));
        expect(dot).toMatch(edge("igw", alb));
        for (const i of ingresses) {
          for (const rule of i.spec.rule) {
            expect(dot).toContain(rule.host);
            for (const p of rule.http.path) expect(dot).toMatch(edge(alb, nodeId("workload", p.backend.service.name)));
          }
        }
        expect(model.flows).toContainEqual({ from: "api", to: "redis", ports: ["6379"] });
        expect(dot).toMatch(edge("workload_api", "workload_redis"));
        expect(dot).toMatch(edge("workload_api", "database"));
        expect(dot).toMatch(edge("workload_api_migrate", "database"));
        expect(dot).toMatch(edge("acm", alb));
        expect(dot).toMatch(edge("release_aws_load_balancer_controller", alb));
      });

      it("draws Prometheus scraping the api, ExternalDNS writing the zone, the autoscaler scaling the node groups, the backups", () => {
        expect(dot).toMatch(edge("release_kube_prometheus_stack", "workload_api"));
        expect(dot).toMatch(edge("release_external_dns", "zone"));
        for (const g of model.nodeGroups) expect(dot).toMatch(edge("release_cluster_autoscaler", nodeId("nodegroup", g.name)));
        expect(dot).toMatch(edge("database", nodeId("vault", model.backupVaults.find((v) => v.region === environment.region)!.name)));
        const copies = all("aws_backup_vault").filter((v) => v.provider);
        for (const copy of copies) expect(dot).toMatch(new RegExp(`-> ${nodeId("vault", copy.name)} \\[.*label="copies"`, "m"));
      });

      it("is deterministic: no absolute path, no timestamp, and the same text twice", () => {
        expect(renderDot(buildDiagram(environmentModel(environment.name, stacks)))).toBe(dot);
        expect(dot).not.toContain(REPO);
        expect(dot).not.toContain(synthesized.outdir);
        expect(dot).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
        expect(files.text["README.md"]).toContain(renderMermaid(buildDiagram(model)));
      });
    });
  }

  it("names the environments from the definition; a third environment gets its own diagram", () => {
    expect(Object.keys(files.text).sort()).toEqual([...platform.environments.map((e) => `${e.name}.dot`), "README.md"].sort());
    const withThird = withStaging(platform);
    const third = withThird.environments[withThird.environments.length - 1];
    const more = filesOf(withThird);
    expect(more.text[`${third.name}.dot`]).toContain(`${third.domain}`);
    expect(Object.keys(more.rendered)).toEqual(expect.arrayContaining([`${third.name}.svg`, `${third.name}.png`]));
    expect(more.text["README.md"]).toContain(`## ${third.name}`);
  });

  it("changes when a node group changes", () => {
    const production = environmentWhere(true);
    const [group, sizing] = Object.entries(production.cluster.nodeGroups)[0];
    const changed: EnvironmentConfig = {
      ...production,
      cluster: { ...production.cluster, nodeGroups: { ...production.cluster.nodeGroups, [group]: { ...sizing, maxSize: sizing.maxSize + 7 } } },
    };
    const definition: PlatformDefinition = { ...platform, environments: platform.environments.map((e) => (e === production ? changed : e)) };
    const after = filesOf(definition).text[`${production.name}.dot`];
    expect(after).not.toBe(files.text[`${production.name}.dot`]);
    expect(after).toContain(`${sizing.minSize}–${sizing.maxSize + 7} nodes`);
  });
});

describe("the rendered images carry their DOT's hash", () => {
  it("computes PNG's CRC-32", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it("writes tEXt chunks after IHDR with valid CRCs and reads them back", () => {
    const png = withPngText(tinyPng(), { "qod-dot-sha256": "ab".repeat(32), other: "x y" });
    expect(pngText(png)).toEqual({ "qod-dot-sha256": "ab".repeat(32), other: "x y" });
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect(png.subarray(8 + 25 + 4, 8 + 25 + 8).toString("latin1")).toBe("tEXt");
    const broken = Buffer.from(png);
    broken[8 + 25 + 10] ^= 0xff; // a byte of the first tEXt chunk's data
    expect(() => pngText(broken)).toThrow(/tEXt at byte 33 has a wrong CRC/);
    expect(() => pngText(Buffer.from("GIF89a"))).toThrow(/not a PNG/);
  });

  it("stamps SVG and PNG with the DOT's sha256 and the Graphviz version line", () => {
    const renderer = fakeRenderer('dot - graphviz version "quoted" 1.0');
    const svg = renderStamped(renderer, "digraph {}", "svg").toString("utf8");
    expect(svg.startsWith('<?xml version="1.0"?>\n<!-- qod-dot-sha256=')).toBe(true);
    expect(svgStamp(svg)).toEqual({ dotSha256: sha256("digraph {}"), graphviz: renderer.version });
    expect(pngStamp(stampPng(tinyPng(), { dotSha256: sha256("x"), graphviz: "v" }))).toEqual({ dotSha256: sha256("x"), graphviz: "v" });
    expect(pngStamp(tinyPng())).toBeUndefined();
  });
});

describe("npm run diagram:check finds drift", () => {
  const files: DiagramFiles = { text: { "a.dot": "digraph a {}\n", "README.md": "# a\n" }, rendered: { "a.svg": "digraph a {}\n", "a.png": "digraph a {}\n" } };
  const renderer = fakeRenderer();

  it("accepts a folder that is exactly what the stacks give, re-rendering with the same Graphviz", () => {
    expect(driftOf(files, folderOf(files, renderer), renderer)).toEqual({ problems: [], notes: [] });
  });

  it("fails when a DOT or the README changed, naming the file", () => {
    const folder = folderOf(files, renderer);
    folder.set("a.dot", Buffer.from("digraph a { x }\n"));
    folder.set("README.md", Buffer.from("# b\n"));
    expect(driftOf(files, folder, renderer).problems).toEqual(["README.md differs from what the synthesized stacks give", "a.dot differs from what the synthesized stacks give"]);
  });

  it("fails when an image was rendered from another DOT (hash mismatch)", () => {
    const folder = folderOf(files, renderer);
    folder.set("a.png", renderStamped(renderer, "digraph old {}\n", "png"));
    folder.set("a.svg", renderStamped(renderer, "digraph old {}\n", "svg"));
    const { problems } = driftOf(files, folder);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^a.png was rendered from another DOT \\(its qod-dot-sha256 is ${sha256("digraph old {}\n")}, the DOT's is ${sha256("digraph a {}\n")}\\)`));
    expect(problems[1]).toMatch(/^a.svg was rendered from another DOT/);
  });

  it("fails when an image has no stamp, a broken CRC, is missing, or a file is not generated", () => {
    const folder = folderOf(files, renderer);
    folder.set("a.svg", Buffer.from("<svg/>"));
    const png = Buffer.from(folder.get("a.png")!);
    png[png.length - 1] ^= 0xff; // IEND's CRC
    folder.set("a.png", png);
    folder.set("old.dot", Buffer.from(""));
    folder.delete("README.md");
    expect(driftOf(files, folder).problems).toEqual([
      "README.md is missing",
      expect.stringMatching(/^a.png is not a valid image: PNG chunk IEND at byte \d+ has a wrong CRC$/),
      "a.svg carries no qod-dot-sha256 stamp (not written by npm run diagram)",
      "old.dot is not generated by npm run diagram (remove it)",
    ]);
  });

  it("compares image bytes only when the local Graphviz is the one that rendered them", () => {
    const folder = folderOf(files, renderer);
    // Same hash and version, other pixels: a hand-edited picture.
    folder.set("a.png", stampPng(tinyPng("edited"), { dotSha256: sha256(files.rendered["a.png"]), graphviz: renderer.version }));
    expect(driftOf(files, folder, renderer).problems).toEqual([`a.png differs from what ${renderer.version} renders from its DOT`]);
    const other = fakeRenderer("dot - graphviz version 9.9.9 (other build)");
    const report = driftOf(files, folder, other);
    expect(report.problems).toEqual([]);
    expect(report.notes).toEqual([
      expect.stringMatching(/^a.png: hash checked; rendered by "dot - graphviz version 0.0.0 \(test\)", this is "dot - graphviz version 9.9.9 \(other build\)"/),
      expect.stringMatching(/^a.svg: hash checked/),
    ]);
    expect(driftOf(files, folder).notes).toEqual(["a.png: hash checked; no Graphviz here to re-render it", "a.svg: hash checked; no Graphviz here to re-render it"]);
  });

  it("npm run diagram re-renders only missing images and those whose hash does not match", () => {
    const folder = folderOf(files, renderer);
    const read = (rel: string) => folder.get(rel)!;
    expect(imagesToRender(files, new Set(folder.keys()), read)).toEqual([]);
    expect(imagesToRender(files, new Set(folder.keys()), read, true)).toEqual(["a.png", "a.svg"]);
    folder.set("a.svg", renderStamped(renderer, "digraph old {}\n", "svg"));
    folder.delete("a.png");
    expect(imagesToRender(files, new Set(folder.keys()), read)).toEqual(["a.png", "a.svg"]);
  });
});

describe("the committed docs/architecture and the wiring around it", () => {
  it("is what the synthesized stacks give (hashes here; npm run diagram:check also re-renders)", () => {
    const files = filesOf(platform);
    const report = diagramDrift(files, { existing: readdirSync(ARCHITECTURE), read: (rel) => readFileSync(join(ARCHITECTURE, rel)) });
    expect(report.problems, "run npm run diagram").toEqual([]);
  });

  it("setup installs graphviz, package.json runs the scripts, .ci/run requires npm run diagram to change nothing", () => {
    expect(SYSTEM_PACKAGES.graphviz).toMatch(/npm run diagram/);
    const scripts = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).scripts;
    expect(scripts.diagram).toBe("tsx scripts/diagram.ts");
    expect(scripts["diagram:check"]).toBe("tsx scripts/diagram.ts --check");
    expect(readFileSync(join(REPO, ".ci/run"), "utf8")).toMatch(/^for generated in [^;\n]*\bdocs\/architecture\b[^;\n]*; do$/m);
  });

  it("the README shows a production environment's diagram and names both commands", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const production = platform.environments.filter((e) => e.production).map((e) => `docs/architecture/${e.name}.png`);
    expect(production.some((png) => readme.includes(`](${png})`))).toBe(true);
    expect(readme).toContain("`npm run diagram`");
    expect(readme).toContain("`npm run diagram:check`");
  });
});
