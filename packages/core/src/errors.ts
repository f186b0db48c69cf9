/**
 * One problem found in user input: which field, what was given, what is allowed.
 */
export interface Problem {
  /** Dotted path of the field, e.g. `dev.availabilityZones[1]`. */
  readonly field: string;
  /** The value that was given (rendered with {@link describeValue}). */
  readonly given: unknown;
  /** What would have been accepted, phrased as a fix. */
  readonly allowed: string;
}

/** Renders a user-supplied value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Thrown for invalid input before anything is synthesized. Carries every problem found,
 * not just the first, so one run tells the user everything to fix.
 */
export class ValidationError extends Error {
  public readonly problems: readonly Problem[];

  constructor(subject: string, problems: readonly Problem[]) {
    const lines = problems.map(
      (p) => `  - ${p.field}: got ${describeValue(p.given)}; allowed: ${p.allowed}`,
    );
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`Invalid ${subject} (${count}):\n${lines.join("\n")}`);
    this.name = "ValidationError";
    this.problems = problems;
  }
}

/** Collects problems, then throws them all at once. */
export class ProblemCollector {
  private readonly found: Problem[] = [];

  constructor(private readonly subject: string) {}

  /** Records a problem with `field`. */
  add(field: string, given: unknown, allowed: string): void {
    this.found.push({ field, given, allowed });
  }

  /** Records a problem unless `ok` holds. Returns `ok`. */
  check(ok: boolean, field: string, given: unknown, allowed: string): boolean {
    if (!ok) this.add(field, given, allowed);
    return ok;
  }

  /** Adds problems found by someone else, prefixing their fields. */
  merge(problems: readonly Problem[]): void {
    this.found.push(...problems);
  }

  get problems(): readonly Problem[] {
    return this.found;
  }

  /** Throws a {@link ValidationError} naming every problem, if there is any. */
  throwIfAny(): void {
    if (this.found.length > 0) throw new ValidationError(this.subject, this.found);
  }
}
