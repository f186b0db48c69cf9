/**
 * The generated HCL modules' definitions: each one's rules against its construct's, and its HCL
 * against its Terraform JSON (the files in modules/: modules-generated.test.ts). Formatting, drift and Terraform's side of the validations
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
import { App } from "cdktf";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODULE_DEFINITIONS } from "../modules";
import { withoutTerraformBlock } from "../../scripts/modules-lib";
import { rendered } from "./rendered-modules";

const PACKAGES = join(__dirname, "../../packages");

/** A bare app for building a construct in tests: no stack traces, no temporary directory per app. */
const OUTDIR = mkdtempSync(join(tmpdir(), "qod-modules-test-"));
const testApp = () => new App({ stackTraces: false, outdir: OUTDIR });

const variablesOf = (d: ModuleDefinition) => Object.entries(d.variables) as [string, ModuleVariableSpec][];

/** Builds `definition`'s construct with literal inputs in a test stack; the problems it throws, by field. */
function problemsWith(definition: ModuleDefinition, inputs: Record<string, unknown>): string[] {
  const scope = new ModuleStack(testApp(), { ...definition, build: () => ({}) });
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
      const { deferred } = recordDeferredChecks(() => new ModuleStack(testApp(), definition));
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
      const rendering = rendered(definition);
      const parsed = (await parse("main.tf", withoutTerraformBlock(rendering.hcl))) as {
        variable?: Record<string, unknown>;
        output?: Record<string, unknown>;
      };
      expect(Object.keys(parsed.variable ?? {}).sort()).toEqual(Object.keys(definition.variables).sort());
      expect(Object.keys(parsed.output ?? {}).sort()).toEqual(Object.keys(rendering.outputs).sort());
    });

    it("renders in HCL every argument the Terraform JSON of the same module has (cdktf's HCL renderer drops nothing that matters)", async () => {
      const rendering = rendered(definition);
      const json = rendering.json as { resource?: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>> };
      const parsed = (await parse("main.tf", withoutTerraformBlock(rendering.hcl))) as {
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
      expect(rendered(definition).hcl).not.toMatch(/^\s*provider\s*=\s*"/m);
    });
  });
});
