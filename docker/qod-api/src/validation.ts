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

const DESCRIBE_MAX = 80;

/**
 * The value as JSON for a message, cut at 80 characters. Written with an explicit stack, never by
 * recursion, and only as far as the message needs: a body under the size limit can nest thousands
 * of arrays, which overflowed the call stack of `JSON.stringify`.
 */
function describe(value: unknown): string {
  let text = "";
  // What is left to write, last first: values, and the punctuation between them.
  const pending: ({ readonly value: unknown } | string)[] = [{ value }];
  while (pending.length > 0 && text.length <= DESCRIBE_MAX) {
    const next = pending.pop()!;
    if (typeof next === "string") {
      text += next;
      continue;
    }
    const v = next.value;
    if (typeof v !== "object" || v === null) {
      text += JSON.stringify(v) ?? String(v);
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((item): [string, unknown] => ["", item]) : Object.entries(v);
    text += Array.isArray(v) ? "[" : "{";
    pending.push(Array.isArray(v) ? "]" : "}");
    for (let i = entries.length - 1; i >= 0; i--) {
      pending.push({ value: entries[i][1] });
      if (!Array.isArray(v)) pending.push(`${JSON.stringify(entries[i][0])}:`);
      if (i > 0) pending.push(",");
    }
  }
  return text.length > DESCRIBE_MAX ? `${text.slice(0, DESCRIBE_MAX - 3)}...` : text;
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

/** A 400 whose `got` part the caller writes (for text, with invisible characters made visible). */
class TextValidationError extends ValidationError {
  constructor(field: string, value: unknown, got: string, allowed: string) {
    super(field, value, allowed);
    this.message = `${field}: got ${got}; allowed: ${allowed}`;
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Names of the characters refused most often, for messages. */
const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0x00ad: "SOFT HYPHEN",
  0x034f: "COMBINING GRAPHEME JOINER",
  0x061c: "ARABIC LETTER MARK",
  0x115f: "HANGUL CHOSEONG FILLER",
  0x1160: "HANGUL JUNGSEONG FILLER",
  0x180e: "MONGOLIAN VOWEL SEPARATOR",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0x3164: "HANGUL FILLER",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE",
  0xffa0: "HALFWIDTH HANGUL FILLER",
};

const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Tab, line feed and carriage return are text (poems have lines); every other control is not.
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
/** Invisible characters outside the format category: Hangul fillers, the combining grapheme joiner. */
const INVISIBLE = /[\u034f\u115f\u1160\u3164\uffa0]/u;
const FORMAT = /\p{Cf}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
/** What may precede a ZWJ in an emoji sequence: an emoji, VS16, a skin-tone modifier. */
const EMOJI_BEFORE_ZWJ = /[\p{Extended_Pictographic}\ufe0f\u{1f3fb}-\u{1f3ff}]/u;
/**
 * Letters and marks of scripts whose spelling uses ZWNJ/ZWJ (Persian, Urdu, the Brahmic scripts
 * of India and Sri Lanka, Khmer, Myanmar, Mongolian, Syriac, Thaana, N'Ko).
 */
const JOINING_SCRIPT =
  /(?=[\p{L}\p{M}])[\p{scx=Arab}\p{scx=Syrc}\p{scx=Thaa}\p{scx=Nkoo}\p{scx=Mong}\p{scx=Deva}\p{scx=Beng}\p{scx=Guru}\p{scx=Gujr}\p{scx=Orya}\p{scx=Taml}\p{scx=Telu}\p{scx=Knda}\p{scx=Mlym}\p{scx=Sinh}\p{scx=Khmr}\p{scx=Mymr}]/u;
const ZWNJ = "\u200c";
const ZWJ = "\u200d";

/** What kind of forbidden character `ch` is in its place, or undefined when it is fine there. */
function forbidden(ch: string, before: string | undefined, after: string | undefined, graphemeStart: string): string | undefined {
  if (CONTROL.test(ch)) return "a control character";
  if (BIDI_CONTROL.test(ch)) return "a bidirectional control";
  if (LONE_SURROGATE.test(ch)) return "half of a surrogate pair, not a character";
  if (SEPARATOR.test(ch)) return "a line or paragraph separator";
  if (INVISIBLE.test(ch)) return "an invisible character";
  if (!FORMAT.test(ch)) return undefined;
  // Format characters (Unicode category Cf) are invisible; three uses are text, not tricks:
  if (ch === ZWJ && before !== undefined && after !== undefined && EMOJI_BEFORE_ZWJ.test(before) && PICTOGRAPHIC.test(after)) return undefined;
  if ((ch === ZWJ || ch === ZWNJ) && before !== undefined && after !== undefined && JOINING_SCRIPT.test(before) && JOINING_SCRIPT.test(after)) {
    return undefined;
  }
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0xe0020 && cp <= 0xe007f && PICTOGRAPHIC.test(graphemeStart)) return undefined; // flag tag sequences (🏴 + tags)
  return "an invisible formatting character";
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * A string field: NFC-normalized and trimmed; 1 to `max` characters as people count them
 * (grapheme clusters: 😀, 👩‍👩‍👧 and é are one each); no control, bidirectional-control or
 * invisible characters, except joiners where spelling or emoji need them; and at most `max`
 * Unicode code points, the limit of the database's `char_length` check.
 */
function text(body: Record<string, unknown>, field: string, max: number): string {
  const raw = body[field];
  const allowed = `a string of 1 to ${max} characters (not only spaces)`;
  if (typeof raw !== "string") throw new ValidationError(field, raw, allowed);
  const value = raw.normalize("NFC").trim();
  if (value.length === 0) throw new ValidationError(field, raw, allowed);

  // One entry per code point: the character, its grapheme's number (from 1), its grapheme's first character.
  const chars: { ch: string; at: number; start: string }[] = [];
  let count = 0;
  for (const { segment } of graphemes.segment(value)) {
    count++;
    const start = String.fromCodePoint(segment.codePointAt(0) ?? 0);
    for (const ch of segment) chars.push({ ch, at: count, start });
  }
  const preview = (): string => {
    // Forbidden characters as <U+XXXX>; cut after 60 code points, never inside a surrogate pair.
    const visible = chars.slice(0, 60).map(({ ch }, i) => (forbidden(ch, chars[i - 1]?.ch, chars[i + 1]?.ch, chars[i].start) === undefined ? ch : `<${codePoint(ch)}>`));
    return chars.length > 60 ? `${JSON.stringify(visible.join("")).slice(0, -1)}..."` : JSON.stringify(visible.join(""));
  };

  for (let i = 0; i < chars.length; i++) {
    const { ch, at, start } = chars[i];
    const what = forbidden(ch, chars[i - 1]?.ch, chars[i + 1]?.ch, start);
    if (what === undefined) continue;
    const cp = codePoint(ch);
    const name = CHARACTER_NAMES[ch.codePointAt(0) ?? 0];
    throw new TextValidationError(
      field,
      raw,
      `${preview()} (${cp}${name === undefined ? "" : ` ${name}`}, ${what}, at character ${at})`,
      `${allowed} without control characters, bidirectional controls or invisible characters`,
    );
  }
  if (count > max) throw new TextValidationError(field, raw, `${count} characters (${preview()})`, allowed);
  if (chars.length > max) {
    throw new TextValidationError(
      field,
      raw,
      `${count} characters but ${chars.length} code points (${preview()})`,
      `${allowed} and at most ${max} Unicode code points, what the database stores (emoji sequences and accents that have no composed form count several)`,
    );
  }
  return value;
}

/** `POST /quotes` body: `{ "text": string, "author": string }`, nothing else. */
export function parseNewQuote(body: unknown): NewQuote {
  if (!isRecord(body)) throw new ValidationError("body", body, 'a JSON object like {"text": "...", "author": "..."}');
  rejectUnknown("", body, ["text", "author"]);
  return { text: text(body, "text", TEXT_MAX), author: text(body, "author", AUTHOR_MAX) };
}
