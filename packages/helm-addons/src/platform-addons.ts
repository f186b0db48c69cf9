import { Problem, ProblemCollector } from "@qod/core";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { AddOnContext, AddOnInstallation, PlatformAddOn } from "./helm-addon";

/** The names, dependencies and conflicts of a set of add-ons, as the set checks read them. */
export interface AddOnRelations {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly conflictsWith: readonly string[];
}

/**
 * Problems of a set of add-ons taken together: a name used twice, two add-ons that conflict
 * (declared by either side), an add-on whose dependency is not in the set, a dependency cycle.
 * `field` names how the caller refers to an add-on (a config key, an index).
 */
export function findAddOnSetProblems(addOns: readonly AddOnRelations[], field: (name: string) => string = (n) => `addOns["${n}"]`): Problem[] {
  const p = new ProblemCollector("add-ons");
  const names = addOns.map((a) => a.name);
  const present = new Set(names);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) p.add(field(name), name, "each add-on once");
  });
  const reported = new Set<string>();
  for (const addOn of addOns) {
    for (const other of addOns) {
      if (other === addOn || !(addOn.conflictsWith.includes(other.name) || other.conflictsWith.includes(addOn.name))) continue;
      const pair = [addOn.name, other.name].sort().join(" + ");
      if (reported.has(pair)) continue;
      reported.add(pair);
      p.add(field(addOn.name), `${addOn.name} together with ${other.name}`, `one of the two: ${addOn.name} and ${other.name} do the same job and would fight over it`);
    }
    for (const dependency of addOn.dependsOn) {
      if (!present.has(dependency)) {
        p.add(field(addOn.name), `${addOn.name} without ${dependency}`, `${dependency} as well: ${addOn.name} needs it (or leave ${addOn.name} out)`);
      }
    }
  }
  if (p.problems.length === 0) {
    try {
      installOrder(addOns);
    } catch (error) {
      p.add(field(addOns[0]?.name ?? "?"), (error as Error).message, "dependencies without a cycle");
    }
  }
  return [...p.problems];
}

/** The add-ons sorted so every add-on comes after its dependencies (stable otherwise). */
export function installOrder<T extends AddOnRelations>(addOns: readonly T[]): T[] {
  const byName = new Map(addOns.map((a) => [a.name, a]));
  const ordered: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (addOn: T, chain: string[]) => {
    const seen = state.get(addOn.name);
    if (seen === "done") return;
    if (seen === "visiting") throw new Error(`dependency cycle ${[...chain, addOn.name].join(" -> ")}`);
    state.set(addOn.name, "visiting");
    for (const dependency of addOn.dependsOn) {
      const next = byName.get(dependency);
      if (next) visit(next, [...chain, addOn.name]);
    }
    state.set(addOn.name, "done");
    ordered.push(addOn);
  };
  for (const addOn of addOns) visit(addOn, []);
  return ordered;
}

export interface PlatformAddOnsProps {
  /** The cluster the add-ons are installed on. */
  readonly context: AddOnContext;
  /** The add-ons, in any order: each is installed after the add-ons it depends on. */
  readonly addOns: readonly PlatformAddOn[];
}

/**
 * The platform layer of one cluster: installs each add-on after its dependencies (its release
 * `depends_on` theirs), once the whole set has been checked for duplicates, conflicts, missing
 * dependencies and cycles. Throws a `ValidationError` naming every such problem before any
 * resource exists.
 */
export class PlatformAddOns extends Construct {
  /** What each add-on made, by name. */
  public readonly installations: Readonly<Record<string, AddOnInstallation>>;
  /** The add-ons in install order. */
  public readonly addOns: readonly PlatformAddOn[];

  constructor(scope: Construct, id: string, props: PlatformAddOnsProps) {
    super(scope, id);
    const p = new ProblemCollector(`add-ons at ${this.node.path}`);
    p.merge(findAddOnSetProblems(props.addOns));
    p.throwIfAny();
    this.addOns = installOrder(props.addOns);
    const installed: Record<string, AddOnInstallation> = {};
    for (const addOn of this.addOns) {
      const after: ITerraformDependable[] = addOn.dependsOn.flatMap((name) => [...installed[name].resources]);
      installed[addOn.name] = addOn.install(this, props.context, after);
    }
    this.installations = installed;
  }

  /** What `name` made; throws when it is not installed here. */
  public installation(name: string): AddOnInstallation {
    const found = this.installations[name];
    if (!found) throw new Error(`add-on "${name}" is not installed at ${this.node.path} (installed: ${Object.keys(this.installations).join(", ")})`);
    return found;
  }
}
