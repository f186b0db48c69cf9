/**
 * The generated HCL modules: each definition's rules against its construct's, and the files in
 * modules/ against the definitions. Formatting, drift and Terraform's side of the validations
 * need a Terraform CLI and run in `npm run modules:check`.
 */
import { parse } from "@cdktf/hcl2json";
import {
  exampleInputs,
  ModuleDefinition,
  ModuleStack,
  ModuleVariableSpec,
  recordDeferredChecks,
  ValidationError,
} from "@qod/core";
import { Testing } from "cdktf";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MODULE_DEFINITIONS, MODULE_EXAMPLE_WIRING } from "../modules";
import { generatedHeader, moduleReadme, moduleReferences, renderModule, splitBlocks, withoutTerraformBlock } from "../../scripts/modules-lib";

const MODULES = join(__dirname, "../../modules");
const PACKAGES = join(__dirname, "../../packages");

const variablesOf = (d: ModuleDefinition) => Object.entries(d.variables) as [string, ModuleVariableSpec][];

/** Builds `definition`'s construct with literal inputs in a test stack; the problems it throws, by field. */
function problemsWith(definition: ModuleDefinition, inputs: Record<string, unknown>): string[] {
  const scope = new ModuleStack(Testing.app(), { ...definition, build: () => ({}) });
  try {
    definition.build(scope, inputs);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => p.field);
    throw error;
  }
}

describe("module definitions", () => {
  it("cover every package with a construct, each once", () => {
    const names = MODULE_DEFINITIONS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(existsSync(join(PACKAGES, name)), name).toBe(true);
    for (const d of MODULE_DEFINITIONS) expect(existsSync(join(__dirname, "../..", d.source)), d.source).toBe(true);
  });

  describe.each(MODULE_DEFINITIONS.map((d) => [d.name, d] as const))("%s", (_name, definition) => {
    it("gives every variable a description and a type, and every required one an example", () => {
      for (const [name, spec] of variablesOf(definition)) {
        expect(spec.description.length, `${name}: description`).toBeGreaterThan(10);
        expect(spec.type, `${name}: type`).toMatch(/^(string|number|bool|(list|set|map)\((string|number|bool)\)|object\(.+\)|list\(object\(.+\)\))$/);
        if (spec.default === undefined) expect(spec.example, `${name}: example`).toBeDefined();
        expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      }
    });

    it("builds the construct from its example inputs without a problem", () => {
      expect(problemsWith(definition, exampleInputs(definition) as Record<string, unknown>)).toEqual([]);
    });

    it("has the construct refuse, on the field it names, every value a variable validation refuses", () => {
      const inputs = exampleInputs(definition) as Record<string, unknown>;
      const cases = variablesOf(definition).flatMap(([name, spec]) =>
        (spec.validations ?? []).flatMap((v) => v.rejects.map((value) => ({ name, value, field: v.enforces }))),
      );
      expect(cases.length).toBeGreaterThan(0);
      for (const { name, value, field } of cases) {
        const fields = problemsWith(definition, { ...inputs, [name]: value });
        expect(fields, `${name} = ${JSON.stringify(value)} should be refused on ${field[0]}`).toContain(field[0]);
      }
    });

    it("carries every rule the construct defers to Terraform: a validation, or a line under 'Checked only in TypeScript'", () => {
      const { deferred } = recordDeferredChecks(() => new ModuleStack(Testing.app(), definition));
      const carried = new Set([
        ...variablesOf(definition).flatMap(([, spec]) => (spec.validations ?? []).flatMap((v) => v.enforces)),
        ...Object.keys(definition.typescriptOnly),
      ]);
      const missing = [...new Set(deferred.map((p) => p.field))].filter((field) => !carried.has(field));
      expect(missing, `rules with neither a validation nor a README line: ${missing.join(", ")}`).toEqual([]);
      // Every README line names a rule the construct has (no stale entries).
      const deferredFields = new Set(deferred.map((p) => p.field));
      for (const field of Object.keys(definition.typescriptOnly)) expect(deferredFields.has(field), `typescriptOnly ${field}`).toBe(true);
    });

    it("renders HCL whose variables and outputs are the definition's", async () => {
      const rendered = renderModule(definition);
      const parsed = (await parse("main.tf", withoutTerraformBlock(rendered.hcl))) as {
        variable?: Record<string, unknown>;
        output?: Record<string, unknown>;
      };
      expect(Object.keys(parsed.variable ?? {}).sort()).toEqual(Object.keys(definition.variables).sort());
      expect(Object.keys(parsed.output ?? {}).sort()).toEqual(Object.keys(rendered.outputs).sort());
    });

    it("renders in HCL every argument the Terraform JSON of the same module has (cdktf's HCL renderer drops nothing that matters)", async () => {
      const rendered = renderModule(definition);
      const json = rendered.json as { resource?: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>> };
      const parsed = (await parse("main.tf", withoutTerraformBlock(rendered.hcl))) as {
        resource?: Record<string, Record<string, [Record<string, unknown>]>>;
        data?: Record<string, Record<string, [Record<string, unknown>]>>;
      };
      const empty = (v: unknown) => v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);
      let compared = 0;
      for (const kind of ["resource", "data"] as const) {
        for (const [type, byName] of Object.entries(json[kind] ?? {})) {
          for (const [name, body] of Object.entries(byName)) {
            const expected = Object.keys(body).filter((k) => k !== "//" && !empty(body[k])).sort();
            const hcl = parsed[kind]?.[type]?.[name]?.[0];
            expect(hcl, `${kind} ${type}.${name} in the HCL`).toBeDefined();
            expect(Object.keys(hcl ?? {}).filter((k) => !empty((hcl ?? {})[k])).sort(), `${type}.${name}`).toEqual(expected);
            compared += 1;
          }
        }
      }
      expect(compared).toBeGreaterThan(0);
    });

    it("refers to provider aliases as references, not in quotes (Terraform deprecates provider = \"aws.dr\")", () => {
      expect(renderModule(definition).hcl).not.toMatch(/^\s*provider\s*=\s*"/m);
    });
  });
});

describe("modules/examples/complete", () => {
  it("wires only variables that exist to outputs that exist, each module after the ones it reads", () => {
    const names = MODULE_DEFINITIONS.map((d) => d.name);
    const outputs = new Map(MODULE_DEFINITIONS.map((d) => [d.name.replace(/-/g, "_"), Object.keys(renderModule(d).outputs)]));
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
      expect(readme).toBe(moduleReadme(definition, renderModule(definition).outputs));
    });
  });
});
