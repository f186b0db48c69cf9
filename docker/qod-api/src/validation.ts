/**
 * Request validation: every rejection names the field, the value given and what is allowed, and
 * happens before anything is read from or written to the database.
 */

/** A 400: `field` is the query parameter or body field at fault. */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`${field}: ${value === undefined ? "missing" : `got ${describe(value)}`}; allowed: ${allowed}`);
    this.name = "ValidationError";
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const LIMIT_DEFAULT = 20;
export const LIMIT_MAX = 100;
export const TEXT_MAX = 500;
export const AUTHOR_MAX = 100;
const CURSOR_MAX = 2_147_483_647;

export interface ListQuery {
  readonly limit: number;
  /** The id after which the page starts (0 for the first page). */
  readonly after: number;
}

export interface NewQuote {
  readonly text: string;
  readonly author: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rejectUnknown(where: string, input: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new ValidationError(`${where}${unknown}`, input[unknown], `only ${known.join(", ")}`);
  }
}

/** `GET /quotes?limit&cursor`. */
export function parseListQuery(query: unknown): ListQuery {
  const input = isRecord(query) ? query : {};
  rejectUnknown("", input, ["limit", "cursor"]);
  let limit = LIMIT_DEFAULT;
  if (input.limit !== undefined) {
    const raw = input.limit;
    limit = typeof raw === "string" && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(limit >= 1 && limit <= LIMIT_MAX)) {
      throw new ValidationError("limit", raw, `one integer from 1 to ${LIMIT_MAX} (default ${LIMIT_DEFAULT})`);
    }
  }
  let after = 0;
  if (input.cursor !== undefined) {
    const raw = input.cursor;
    after = typeof raw === "string" && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
    if (!(after >= 1 && after <= CURSOR_MAX)) {
      throw new ValidationError("cursor", raw, "the nextCursor value of a previous page (a positive integer)");
    }
  }
  return { limit, after };
}

function text(body: Record<string, unknown>, field: string, max: number): string {
  const raw = body[field];
  const allowed = `a string of 1 to ${max} characters (not only spaces)`;
  if (typeof raw !== "string") throw new ValidationError(field, raw, allowed);
  const trimmed = raw.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw new ValidationError(field, raw, allowed);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) {
    throw new ValidationError(field, raw, `${allowed}, without control characters`);
  }
  return trimmed;
}

/** `POST /quotes` body: `{ "text": string, "author": string }`, nothing else. */
export function parseNewQuote(body: unknown): NewQuote {
  if (!isRecord(body)) throw new ValidationError("body", body, 'a JSON object like {"text": "...", "author": "..."}');
  rejectUnknown("", body, ["text", "author"]);
  return { text: text(body, "text", TEXT_MAX), author: text(body, "author", AUTHOR_MAX) };
}
