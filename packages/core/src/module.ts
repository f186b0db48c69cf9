import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformElement, TerraformOutput, TerraformStack, TerraformVariable, Token } from "cdktf";
import { Construct, Node } from "constructs";
import { LOG_RETENTION_DAYS, NAME_PATTERN, NAME_RULE } from "./environment";

/**
 * Generated HCL modules: a package describes how its construct becomes a plain Terraform module
 * (a {@link ModuleDefinition}), and {@link ModuleStack} builds it with `TerraformVariable` inputs
 * and `TerraformOutput` outputs. `npm run modules` renders the stack as HCL into `modules/<name>/`.
 */

/** A Terraform `validation` block of a module variable, and the construct rule it carries. */
export interface ModuleValidation {
  /** The condition, an HCL expression over `var.<name>` (Terraform's `validation.condition`). */
  readonly condition: string;
  /** Terraform's `error_message`: what is allowed, as the construct's rule words it. */
  readonly errorMessage: string;
  /**
   * The construct's fields whose rules this validation carries, as their `ProblemCollector`s name
   * them (`cidr`, `naming.project`): first the field the construct names for a bad literal, then
   * fields of inner constructs whose rule the same value decides (a log group name made of it).
   */
  readonly enforces: readonly string[];
  /** Values both the construct and this validation refuse: tests give them to both. */
  readonly rejects: readonly unknown[];
}

/** A module input. */
export interface ModuleVariableSpec {
  /** A Terraform type constraint: `string`, `number`, `bool`, `list(string)`, `map(string)`. */
  readonly type: string;
  /** What the input sets; allowed values are named here as well as in the validations. */
  readonly description: string;
  /** The default; absent means the input is required. */
  readonly default?: unknown;
  /** A value the README's usage example and the tests use for a required input. */
  readonly example?: unknown;
  readonly sensitive?: boolean;
  readonly validations?: readonly ModuleValidation[];
}

/** A module output. */
export interface ModuleOutputSpec {
  readonly value: unknown;
  readonly description: string;
  readonly sensitive?: boolean;
}

/** A choice the module makes when it is generated (it decides which resources exist). */
export interface FixedChoice {
  readonly setting: string;
  readonly value: string;
  readonly why: string;
}

/** The providers a module uses; the caller configures them. */
export type ModuleProvider = "aws" | "kubernetes" | "helm" | "random";

/**
 * How a package's construct becomes a Terraform module. `build` receives the inputs by variable
 * name: tokens of the module's variables when generated, literal values in tests (so the same
 * code is checked with values the construct's rules can see).
 */
export interface ModuleDefinition<I extends object = Record<string, unknown>> {
  /** Folder under `modules/`: the package's name. */
  readonly name: string;
  /** The file that defines the module, for the "generated from" header. */
  readonly source: string;
  /** The README's first paragraph: what the module creates. */
  readonly description: string;
  readonly variables: { readonly [K in keyof I]: ModuleVariableSpec };
  /** Builds the construct from `inputs` in `scope`; returns the module's outputs by name. */
  build(scope: Construct, inputs: I): Record<string, ModuleOutputSpec>;
  /**
   * The construct's rules Terraform's validations cannot express, by field, with the reason;
   * the README lists them under "Checked only in TypeScript".
   */
  readonly typescriptOnly: Readonly<Record<string, string>>;
  /** Choices fixed when the module is generated; the README lists them. */
  readonly fixed: readonly FixedChoice[];
  /**
   * Providers the module's resources use, and aliases it expects from the caller (`aws.dr`).
   * The stack makes the default `aws` provider; `build` makes the others and the aliases.
   */
  readonly providers: readonly ModuleProvider[];
  readonly providerAliases?: readonly string[];
}

/** The literal inputs of `definition`: each variable's default, or its example when required. */
export function exampleInputs<I extends object>(definition: ModuleDefinition<I>): I {
  const inputs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(definition.variables) as [string, ModuleVariableSpec][]) {
    const value = spec.default !== undefined ? spec.default : spec.example;
    if (value === undefined) throw new Error(`module ${definition.name}: variable ${name} has neither a default nor an example`);
    inputs[name] = value;
  }
  return inputs as I;
}

/** The token a variable of `type` stands for in TypeScript. */
function tokenOf(variable: TerraformVariable, type: string): unknown {
  if (type === "string") return variable.stringValue;
  if (type === "number") return variable.numberValue;
  if (type === "bool") return variable.booleanValue;
  if (/^(list|set)\((string|number)\)$/.test(type)) return variable.listValue;
  if (type === "map(string)") return Token.asStringMap(variable.value);
  return variable.value;
}

/** `PublicSubnet-a` → `public_subnet_a`. */
export function snakeCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

/**
 * A module as a stack: no backend and no provider configuration (the generator drops the empty
 * provider blocks the stack needs to synthesize; the caller configures providers), variables and
 * outputs from the definition, and resource names from construct paths in snake_case without
 * cdktf's hash suffixes (`network_public_subnet_a`), so the HCL reads like hand-written HCL.
 */
export class ModuleStack<I extends object = Record<string, unknown>> extends TerraformStack {
  public readonly definition: ModuleDefinition<I>;
  public readonly variables: Readonly<Record<string, TerraformVariable>>;
  /** The outputs `build` returned, by name. */
  public readonly outputs: Readonly<Record<string, ModuleOutputSpec>>;
  private readonly names = new Map<string, string>();

  constructor(scope: Construct, definition: ModuleDefinition<I>) {
    super(scope, definition.name);
    this.definition = definition;
    // The default AWS provider, unconfigured: the generator drops its empty block. Other providers
    // and aliases are made by `build`, where the construct needs them.
    if (definition.providers.includes("aws")) new AwsProvider(this, "aws", {});
    const variables: Record<string, TerraformVariable> = {};
    const inputs: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(definition.variables) as [string, ModuleVariableSpec][]) {
      const variable = new TerraformVariable(this, name, {
        type: spec.type,
        description: spec.description,
        ...(spec.default !== undefined ? { default: spec.default } : {}),
        ...(spec.sensitive ? { sensitive: true } : {}),
        validation: (spec.validations ?? []).map((v) => ({ condition: `\${${v.condition}}`, errorMessage: v.errorMessage })),
      });
      // cdktf's HCL renderer drops `nullable = false` (it skips false values): an override keeps it.
      variable.addOverride("nullable", false);
      variable.overrideLogicalId(name);
      variables[name] = variable;
      inputs[name] = tokenOf(variable, spec.type);
    }
    this.variables = variables;
    const outputs = definition.build(this, inputs as I);
    this.outputs = outputs;
    for (const [name, spec] of Object.entries(outputs)) {
      const output = new TerraformOutput(this, `output-${name}`, {
        value: spec.value,
        description: spec.description,
        ...(spec.sensitive ? { sensitive: true } : {}),
      });
      output.overrideLogicalId(name);
    }
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = element instanceof Node ? element : element.node;
    const parts = node.scopes.slice(node.scopes.indexOf(this) + 1).map((c) => c.node.id).filter((id) => id !== "Default" && id !== "Resource");
    const name = snakeCase(parts.join("_")) || "this";
    const owner = this.names.get(name);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(`module ${this.definition.name}: ${node.path} and ${owner} would both be named ${name}`);
    }
    this.names.set(name, node.path);
    return name;
  }
}

/** Validations several modules share, each worded like the construct rule it carries. */
export const sharedValidations = {
  /** `project` / `environment` of {@link Naming}. */
  name: (variable: string, enforces: readonly string[]): ModuleValidation => ({
    condition: `can(regex("${NAME_PATTERN.source}", var.${variable}))`,
    errorMessage: `${variable} must be ${NAME_RULE}.`,
    enforces,
    rejects: ["Qod", "q", "qod_platform", "-qod", "averyverylongname"],
  }),
  /** A CloudWatch Logs retention value. */
  logRetention: (variable: string, enforces: readonly string[]): ModuleValidation => ({
    condition: `contains([${LOG_RETENTION_DAYS.join(", ")}], var.${variable})`,
    errorMessage: `${variable} must be one of ${LOG_RETENTION_DAYS.join(", ")} (a CloudWatch Logs retention).`,
    enforces,
    rejects: [0, 2, 10000],
  }),
};

/**
 * `definition` for a list of modules of different inputs (the generator's): `build` takes the
 * inputs by name, as the stack and the tests pass them (each variable's token or literal).
 */
export function listedModule<I extends object>(definition: ModuleDefinition<I>): ModuleDefinition {
  return { ...definition, build: (scope, inputs) => definition.build(scope, inputs as unknown as I) } as ModuleDefinition;
}
