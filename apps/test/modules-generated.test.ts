/**
 * The files in modules/ against the module definitions, and how the example wires the modules
 * (the definitions themselves: modules.test.ts). Formatting, drift and Terraform's side of the
 * validations need a Terraform CLI and run in `npm run modules:check`.
 */
import { parse } from "@cdktf/hcl2json";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MODULE_DEFINITIONS, MODULE_EXAMPLE_WIRING } from "../modules";
import { generatedHeader, moduleReadme, moduleReferences, splitBlocks } from "../../scripts/modules-lib";
import { rendered } from "./rendered-modules";

const MODULES = join(__dirname, "../../modules");

describe("modules/examples/complete", () => {
  it("wires only variables that exist to outputs that exist, each module after the ones it reads", () => {
    const names = MODULE_DEFINITIONS.map((d) => d.name);
    const outputs = new Map(MODULE_DEFINITIONS.map((d) => [d.name.replace(/-/g, "_"), Object.keys(rendered(d).outputs)]));
    for (const [module, inputs] of Object.entries(MODULE_EXAMPLE_WIRING)) {
      const definition = MODULE_DEFINITIONS.find((d) => d.name === module);
      expect(definition, `wiring for unknown module ${module}`).toBeDefined();
      for (const [variable, expression] of Object.entries(inputs)) {
        expect(Object.keys(definition?.variables ?? {}), `${module}.${variable}`).toContain(variable);
        for (const ref of moduleReferences(expression)) {
          expect(outputs.get(ref.module), `${module}.${variable} reads module.${ref.module}`).toBeDefined();
          expect(outputs.get(ref.module), `${module}.${variable} reads module.${ref.module}.${ref.output}`).toContain(ref.output);
          expect(names.indexOf(ref.module.replace(/_/g, "-")), `${ref.module} comes before ${module}`).toBeLessThan(names.indexOf(module));
        }
      }
    }
  });

  it("calls every module, and configures every provider and alias the modules expect", () => {
    const main = readFileSync(join(MODULES, "examples/complete/main.tf"), "utf8");
    const providers = readFileSync(join(MODULES, "examples/complete/providers.tf"), "utf8");
    for (const d of MODULE_DEFINITIONS) {
      expect(main).toContain(`module "${d.name.replace(/-/g, "_")}" {`);
      expect(main).toContain(`source = "../../${d.name}"`);
      for (const p of d.providers.filter((name) => name !== "random")) expect(providers).toContain(`provider "${p}" {`); // random needs no configuration
      for (const alias of d.providerAliases ?? []) expect(providers).toContain(`alias               = "${alias.split(".")[1]}"`);
    }
    expect(readFileSync(join(MODULES, "examples/complete/versions.tf"), "utf8")).toMatch(/backend "s3" \{[\s\S]*use_lockfile = true/);
  });
});

describe("modules/ (generated)", () => {
  describe.each(MODULE_DEFINITIONS.map((d) => [d.name, d] as const))("%s", (name, definition) => {
    const dir = join(MODULES, name);

    it("is laid out as a conventional module, every file with the generated header", () => {
      expect(readdirSync(dir).sort()).toEqual(["README.md", "main.tf", "outputs.tf", "variables.tf", "versions.tf"]);
      for (const file of ["main.tf", "outputs.tf", "variables.tf", "versions.tf"]) {
        expect(readFileSync(join(dir, file), "utf8").split("\n")[0]).toBe(`# ${generatedHeader(definition.source)}`);
      }
      expect(readFileSync(join(dir, "README.md"), "utf8").split("\n")[0]).toBe(`<!-- ${generatedHeader(definition.source)} -->`);
    });

    it("declares every variable with a description and a type, and the README lists every input and output", async () => {
      const variables = (await parse("variables.tf", readFileSync(join(dir, "variables.tf"), "utf8"))) as {
        variable: Record<string, [{ description?: string; type?: string; nullable?: boolean }]>;
      };
      const outputs = (await parse("outputs.tf", readFileSync(join(dir, "outputs.tf"), "utf8"))) as {
        output: Record<string, [{ description?: string }]>;
      };
      const readme = readFileSync(join(dir, "README.md"), "utf8");
      for (const [variable, [block]] of Object.entries(variables.variable)) {
        expect(block.description, variable).toBeTruthy();
        expect(block.type, variable).toBeTruthy();
        expect(block.nullable, `${variable}: null is refused, not passed through to resources`).toBe(false);
        expect(readme).toContain(`| \`${variable}\` |`);
      }
      for (const [output, [block]] of Object.entries(outputs.output)) {
        expect(block.description, output).toBeTruthy();
        expect(readme).toContain(`| \`${output}\` |`);
      }
      expect(Object.keys(variables.variable).sort()).toEqual(Object.keys(definition.variables).sort());
    });

    it("has no provider configuration or backend inside the module", () => {
      const main = readFileSync(join(dir, "main.tf"), "utf8");
      const kinds = splitBlocks(main.split("\n").filter((l) => !l.startsWith("#")).join("\n")).map((b) => b.kind);
      expect(kinds.filter((k) => !["resource", "data", "locals"].includes(k))).toEqual([]);
      expect(readFileSync(join(dir, "versions.tf"), "utf8")).not.toMatch(/backend|provider "/);
    });

    it("lists under 'Checked only in TypeScript' each rule the definition leaves to TypeScript", () => {
      const readme = readFileSync(join(dir, "README.md"), "utf8");
      const section = readme.split("## Checked only in TypeScript")[1]?.split("\n## ")[0] ?? "";
      for (const field of Object.keys(definition.typescriptOnly)) expect(section).toContain(`\`${field}\``);
      expect(readme).toBe(moduleReadme(definition, rendered(definition).outputs));
    });
  });
});
