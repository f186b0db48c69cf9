import { isValidName, NAME_RULE } from "./environment";
import { ProblemCollector, ValidationError } from "./errors";

const COMPONENT_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Builds resource names as `<project>-<env>-<component>`, the one naming scheme of the project.
 */
export class Naming {
  constructor(
    public readonly project: string,
    public readonly environment: string,
  ) {
    const p = new ProblemCollector("naming");
    p.check(isValidName(project), "naming.project", project, NAME_RULE);
    p.check(isValidName(environment), "naming.environment", environment, NAME_RULE);
    p.throwIfAny();
  }

  /** `<project>-<env>` */
  get prefix(): string {
    return `${this.project}-${this.environment}`;
  }

  /** `<project>-<env>-<component>`; `component` is lowercase letters, digits and dashes. */
  name(component: string): string {
    if (!COMPONENT_PATTERN.test(component)) {
      throw new ValidationError("resource name", [
        { field: "component", given: component, allowed: "lowercase letters, digits and dashes, not starting with a dash" },
      ]);
    }
    return `${this.prefix}-${component}`;
  }
}

/** A Kubernetes namespace or service account name (RFC 1123 label). */
export const KUBERNETES_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks a Kubernetes namespace or service-account name. */
export function checkKubernetesName(p: ProblemCollector, field: string, name: string): void {
  p.check(
    typeof name === "string" && KUBERNETES_NAME_PATTERN.test(name),
    field,
    name,
    "a Kubernetes name: 1-63 lowercase letters, digits or dashes, starting and ending alphanumeric",
  );
}
