import { isValidName } from "./config";
import { ValidationError } from "./errors";

const COMPONENT_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Builds resource names as `<project>-<env>-<component>`, the one naming scheme of the project.
 */
export class Naming {
  constructor(
    public readonly project: string,
    public readonly environment: string,
  ) {
    const problems = [
      ...(isValidName(project) ? [] : [{ field: "naming.project", given: project, allowed: "lowercase letters, digits, dashes; 2-12 chars" }]),
      ...(isValidName(environment) ? [] : [{ field: "naming.environment", given: environment, allowed: "lowercase letters, digits, dashes; 2-12 chars" }]),
    ];
    if (problems.length > 0) throw new ValidationError("naming", problems);
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
