import { Token } from "cdktf";

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

/** Whether `value` is, or holds, a value Terraform only knows at plan time (a cdktf token). */
export function isUnresolved(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(isUnresolved);
  if (value !== null && typeof value === "object") return Object.values(value).some(isUnresolved);
  return false;
}

let deferredChecks: Problem[] | undefined;

/**
 * Runs `build` and returns, next to its result, every rule that met a token instead of a value
 * (a Terraform variable of a generated module, a remote-state output): such a rule is not
 * checked here, and the module generator's tests require a variable `validation` or a
 * "checked only in TypeScript" line for each.
 */
export function recordDeferredChecks<T>(build: () => T): { readonly result: T; readonly deferred: readonly Problem[] } {
  const outer = deferredChecks;
  const deferred: Problem[] = [];
  deferredChecks = deferred;
  try {
    return { result: build(), deferred };
  } finally {
    deferredChecks = outer;
  }
}

/**
 * Collects problems, then throws them all at once. A problem whose given value is a token
 * ({@link isUnresolved}) is not one: Terraform decides the value, so the rule is deferred
 * (see {@link recordDeferredChecks}).
 */
export class ProblemCollector {
  private readonly found: Problem[] = [];

  constructor(private readonly subject: string) {}

  /** Records a problem with `field`, or defers the rule when `given` is a token. */
  add(field: string, given: unknown, allowed: string): void {
    if (isUnresolved(given)) {
      deferredChecks?.push({ field, given, allowed });
      return;
    }
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

/** An email address as SNS email subscriptions take it. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

/**
 * Checks a list of email addresses that become SNS email subscriptions (keyed by address): each
 * an address, each listed once, and, when `productionReason` is given, at least one (the reason
 * says who must hear of what). A list only Terraform knows (a module variable) is one token: its
 * rules are the variable's validations, so it is reported as deferred.
 */
export function checkEmailList(p: ProblemCollector, field: string, emails: unknown, productionReason?: string): void {
  const rule = `a list of email addresses, each listed once${productionReason ? ", at least one in production" : ""}`;
  if (isUnresolved(emails) && (!Array.isArray(emails) || emails.length === 1)) {
    p.add(field, emails, rule);
    return;
  }
  if (!Array.isArray(emails)) {
    p.add(field, emails, `${rule}, e.g. ["platform-team@example.com"]`);
    return;
  }
  const list: readonly unknown[] = emails;
  list.forEach((email, i) => {
    if (!p.check(typeof email === "string" && EMAIL.test(email), `${field}[${i}]`, email, "an email address such as platform-team@example.com")) return;
    p.check(list.indexOf(email) === i, `${field}[${i}]`, email, `an address not listed before (${field}[${list.indexOf(email)}]): each address is one subscription`);
  });
  if (productionReason) p.check(list.length > 0, field, emails, `at least one email address in production: ${productionReason}`);
}
