import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { platform } from "../platform";
import { stackName, synthesizedPlatform } from "./synthesized";
import { inlineCode, settings } from "./doc-claims";

/**
 * docs/disaster-recovery.md may only name what exists: every Terraform type and address, and in
 * the sections describing what exists (before "## Restore procedures") every `key = value`
 * setting and every resource name in inline code must be found in the synthesized stacks.
 */
const DOC = readFileSync(resolve(__dirname, "../../docs/disaster-recovery.md"), "utf8");
const DESCRIPTIVE = DOC.slice(0, DOC.indexOf("## Restore procedures"));


describe("docs/disaster-recovery.md matches the synthesized stacks", () => {
  // The runbook describes production: every production environment's infra stack, and bootstrap.
  const described = ["bootstrap", ...platform.environments.filter((e) => e.production).map((e) => stackName(e, "infra"))];
  const prodAndBootstrap = synthesizedPlatform().stacks.filter((s) => described.includes(s.name));

  it("has the sections the runbook needs", () => {
    for (const heading of ["## Objectives per component", "## What is backed up, where, how often", "## Restore procedures", "## DR drill"]) {
      expect(DOC).toContain(heading);
    }
    for (const component of ["database", "cluster", "images", "metrics", "Terraform state"]) {
      expect(DOC).toMatch(new RegExp(`^\\| ${component} `, "m"));
    }
  });

  it("names only Terraform types and addresses that exist", () => {
    const refs = [...DOC.matchAll(/\b(aws_[a-z0-9_]+)(?:\.([A-Za-z0-9_-]+))?/g)];
    expect(refs.length).toBeGreaterThan(10);
    for (const [, type, name] of refs) {
      const holder = prodAndBootstrap.find((s) => s.json.resource?.[type] && (!name || s.json.resource[type][name]));
      expect(holder, `${type}${name ? `.${name}` : ""} in the doc but not in ${described.join(" or ")}`).toBeDefined();
    }
  });

  it("states only settings that the stacks really have", () => {
    const claims = inlineCode(DESCRIPTIVE)
      .map((code) => /^([a-z_]+) = (.+)$/.exec(code))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(claims.length).toBeGreaterThan(10);
    const all = prodAndBootstrap.flatMap((s) => [...settings(s.json.resource)]);
    for (const [, key, value] of claims) {
      expect(all.some(([k, v]) => k === key && String(v) === value), `${key} = ${value}`).toBe(true);
    }
  });

  it("takes generated names in its commands from the infra stack's outputs", () => {
    // The parameter group's name is generated (name_prefix): a command can only name it through the output.
    const infra = prodAndBootstrap.filter((s) => s.name !== "bootstrap");
    const values = [...DOC.matchAll(/--db-parameter-group-name\s+(\S+)/g)].map((m) => m[1]);
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      const output = /^<([a-z_]+)>$/.exec(value)?.[1];
      expect(output, `--db-parameter-group-name ${value}: not <an infra output>`).toBeDefined();
      for (const stack of infra) expect(stack.json.output?.[output!], `${output} in ${stack.name}`).toBeDefined();
    }
  });

  it("names only vaults, keys, topics, repositories, buckets and schedules that exist", () => {
    const names = inlineCode(DESCRIPTIVE).filter((code) => /^(qod[-_/]|alias\/|cron\()/.test(code));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(prodAndBootstrap.some((s) => s.text.includes(JSON.stringify(name).slice(1, -1))), name).toBe(true);
    }
  });
});
