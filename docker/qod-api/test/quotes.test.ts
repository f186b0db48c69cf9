import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_QUOTES } from "../src/seed-quotes";
import { getJson, postJson, startApi, startBackends, TEST_WRITE_TOKEN, testClock, type TestApi, type TestBackends } from "./helpers";

// GIVEN the service on a migrated database with the seed quotes
let backends: TestBackends;
let api: TestApi;

beforeAll(async () => {
  backends = await startBackends();
  api = await startApi(
    { POSTGRES_URL: backends.postgresUrl, REDIS_URL: backends.redis.url, CORS_ORIGINS: "http://ui.example.test" },
    testClock("2031-06-01T12:00:00Z"),
  );
});

afterAll(async () => {
  await api?.stop();
  await backends?.stop();
});

const count = () => backends.quoteCount();

describe("GET /quotes", () => {
  it("walks every quote exactly once, page by page, with nextCursor", async () => {
    const texts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "limit=7" : `limit=7&cursor=${cursor}`;
      const { status, body } = await getJson(`${api.url}/quotes?${query}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(7);
      texts.push(...body.items.map((q: { text: string }) => q.text));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 50);

    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.length).toBe(await count());
    expect(pages).toBe(Math.ceil(texts.length / 7));
  });

  it("defaults to 20 items", async () => {
    const { body } = await getJson(`${api.url}/quotes`);
    expect(body.items).toHaveLength(Math.min(20, SEED_QUOTES.length));
    expect(body.items[0]).toEqual({ id: expect.any(Number), text: expect.any(String), author: expect.any(String), createdAt: expect.any(String) });
  });

  it.each([
    ["limit=0", "limit", '"0"'],
    ["limit=101", "limit", '"101"'],
    ["limit=abc", "limit", '"abc"'],
    ["limit=5&limit=6", "limit", '["5","6"]'],
    ["cursor=-1", "cursor", '"-1"'],
    ["cursor=x1", "cursor", '"x1"'],
    ["cursor=99999999999", "cursor", '"99999999999"'],
    ["page=2", "page", '"2"'],
  ])("fails when the query is %s: 400 naming %s and the value", async (query, field, shown) => {
    const { status, body } = await getJson(`${api.url}/quotes?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request", field });
    expect(body.message).toContain(`${field}: got ${shown}; allowed:`);
  });
});

describe("POST /quotes", () => {
  it("creates a quote (trimmed) and lists it", async () => {
    const { status, body } = await postJson(`${api.url}/quotes`, { text: "  Tests are a kind of documentation.  ", author: " Anonymous " });
    expect(status).toBe(201);
    expect(body).toMatchObject({ text: "Tests are a kind of documentation.", author: "Anonymous", createdAt: "2031-06-01T12:00:00.000Z" });
    const last = await getJson(`${api.url}/quotes?limit=1&cursor=${body.id - 1}`);
    expect(last.body.items[0]).toEqual(body);
  });

  it("fails when the same quote by the same author exists: 409, nothing written", async () => {
    const before = await count();
    const { status, body } = await postJson(`${api.url}/quotes`, SEED_QUOTES[0]);
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: "duplicate", field: "text" });
    expect(await count()).toBe(before);
  });

  it.each([
    ["text missing", { author: "A" }, "text", "text: missing; allowed: a string of 1 to 500 characters"],
    ["text empty", { text: "   ", author: "A" }, "text", 'text: got "   "; allowed:'],
    ["text too long", { text: "x".repeat(501), author: "A" }, "text", "allowed: a string of 1 to 500 characters"],
    ["text a number", { text: 42, author: "A" }, "text", "text: got 42; allowed:"],
    ["author missing", { text: "Hello" }, "author", "author: missing; allowed: a string of 1 to 100 characters"],
    ["author too long", { text: "Hello", author: "a".repeat(101) }, "author", "allowed: a string of 1 to 100 characters"],
    ["author with a control character", { text: "Hello", author: "A\u0007" }, "author", "without control characters"],
    ["an unknown field", { text: "Hello", author: "A", id: 7 }, "id", "id: got 7; allowed: only text, author"],
    ["an array body", [{ text: "Hello", author: "A" }], "body", "body: got"],
    ["a string body", "hello", "body", 'body: got "hello"; allowed: a JSON object'],
  ])("fails with %s: 400 naming the field, nothing written", async (_case, payload, field, message) => {
    const before = await count();
    const { status, body } = await postJson(`${api.url}/quotes`, payload);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request", field });
    expect(body.message).toContain(message);
    expect(await count()).toBe(before);
  });

  it("counts characters as people see them: 500 emoji are accepted, 501 are not", async () => {
    const accepted = await postJson(`${api.url}/quotes`, { text: "😀".repeat(500), author: "Emoji" });
    expect(accepted.status).toBe(201);
    expect(accepted.body.text).toBe("😀".repeat(500));

    const before = await count();
    const refused = await postJson(`${api.url}/quotes`, { text: "😁".repeat(501), author: "Emoji" });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "invalid_request", field: "text" });
    expect(refused.body.message).toContain("allowed: a string of 1 to 500 characters");
    expect(refused.body.message).toContain("got 501 characters");
    expect(await count()).toBe(before);
  });

  it("counts an emoji sequence joined by U+200D as one character, and accepts it", async () => {
    const family = "👩\u200d👩\u200d👧";
    // 100 characters, 500 code points, 800 UTF-16 units
    const { status, body } = await postJson(`${api.url}/quotes`, { text: family.repeat(100), author: `Family ${family}` });
    expect(status).toBe(201);
    expect(body.text).toBe(family.repeat(100));
  });

  it("stores text in NFC: a decomposed é is stored composed, and is a duplicate of the composed one", async () => {
    const decomposed = "Cafe\u0301 au lait, s'il vous plai\u0302t.";
    const { status, body } = await postJson(`${api.url}/quotes`, { text: decomposed, author: "Ame\u0301lie" });
    expect(status).toBe(201);
    expect(body.text).toBe(decomposed.normalize("NFC"));
    expect(body.author).toBe("Amélie");
    const stored = await backends.pool.query("SELECT text, author FROM quotes WHERE id = $1", [body.id]);
    expect(stored.rows[0]).toEqual({ text: decomposed.normalize("NFC"), author: "Am\u00e9lie" });
    expect((await postJson(`${api.url}/quotes`, { text: decomposed.normalize("NFC"), author: "Amélie" })).status).toBe(409);
  });

  it("accepts a zero-width non-joiner inside a Persian word, where spelling needs it", async () => {
    const persian = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645";
    const { status, body } = await postJson(`${api.url}/quotes`, { text: persian, author: "Hafez" });
    expect(status).toBe(201);
    expect(body.text).toBe(persian);
  });

  it.each([
    ["a right-to-left override", "Invoice \u202Efdp.exe", "text", "U+202E RIGHT-TO-LEFT OVERRIDE", "at character 9"],
    ["a left-to-right isolate", "Hello \u2066world\u2069", "text", "U+2066 LEFT-TO-RIGHT ISOLATE", "at character 7"],
    ["a right-to-left mark", "a\u200Fb", "author", "U+200F RIGHT-TO-LEFT MARK", "at character 2"],
    ["an Arabic letter mark", "a\u061Cb", "author", "U+061C ARABIC LETTER MARK", "at character 2"],
    ["a zero-width space", "pay\u200Bpal", "text", "U+200B ZERO WIDTH SPACE", "at character 4"],
    ["a zero-width joiner between Latin letters", "pay\u200Dpal", "text", "U+200D ZERO WIDTH JOINER", "at character 3"],
    ["a zero-width non-joiner between Latin letters", "pay\u200Cpal", "author", "U+200C ZERO WIDTH NON-JOINER", "at character 3"],
    ["a word joiner", "a\u2060b", "text", "U+2060 WORD JOINER", "at character 2"],
    ["a byte-order mark inside", "a\uFEFFb", "text", "U+FEFF ZERO WIDTH NO-BREAK SPACE", "at character 2"],
    ["a soft hyphen", "in\u00ADvisible", "text", "U+00AD SOFT HYPHEN", "at character 3"],
    ["a Hangul filler", "a\u3164b", "author", "U+3164 HANGUL FILLER", "at character 2"],
    ["a C1 control character", "a\u0085b", "text", "U+0085", "at character 2"],
    ["a line separator", "a\u2028b", "text", "U+2028 LINE SEPARATOR", "at character 2"],
    ["a lone surrogate", "a\uD800b", "text", "U+D800", "at character 2"],
  ])("fails with %s: 400 naming the field and the code point, nothing written", async (_case, value, field, named, where) => {
    const before = await count();
    const payload = field === "text" ? { text: value, author: "A" } : { text: "Hello there.", author: value };
    const { status, body } = await postJson(`${api.url}/quotes`, payload);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request", field });
    expect(body.message).toContain(named);
    expect(body.message).toContain(where);
    expect(body.message).toContain(`${field}: got `);
    // The message shows the character escaped, never raw (it would spoof the message itself).
    expect(body.message).not.toMatch(/[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/);
    expect(await count()).toBe(before);
  });

  it("fails when emoji sequences exceed what the database stores (500 code points): 400 saying so", async () => {
    const before = await count();
    const family = "👩\u200d👩\u200d👧";
    const { status, body } = await postJson(`${api.url}/quotes`, { text: family.repeat(101), author: "A" });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request", field: "text" });
    expect(body.message).toContain("got 101 characters but 505 code points");
    expect(await count()).toBe(before);
  });

  it("fails on malformed JSON, another content type or a huge body: JSON errors, nothing written", async () => {
    const before = await count();
    const post = (body: string, type: string) =>
      getJson(`${api.url}/quotes`, { method: "POST", headers: { "content-type": type, authorization: `Bearer ${TEST_WRITE_TOKEN}` }, body });

    const malformed = await post('{"text": "unterminated', "application/json");
    const form = await post("text=hi&author=me", "application/x-www-form-urlencoded");
    const huge = await post(JSON.stringify({ text: "x".repeat(20_000), author: "A" }), "application/json");

    expect(malformed).toMatchObject({ status: 400, body: { error: "bad_request" } });
    expect(form).toMatchObject({ status: 415, body: { error: "unsupported_media_type" } });
    expect(huge).toMatchObject({ status: 413, body: { error: "payload_too_large" } });
    expect(await count()).toBe(before);
  });

  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  it.each([
    ["an unknown field", `{"x":${nested(5_000)}}`, "x", "only text, author"],
    ["a known field", `{"text":${nested(5_000)},"author":"A"}`, "text", "a string of 1 to 500 characters"],
    ["the body", nested(5_000), "body", "a JSON object"],
  ])("fails on 5,000 nested arrays in %s (under the body limit): 400 naming the field, not 500", async (_case, raw, field, allowed) => {
    expect(raw.length).toBeLessThan(16 * 1024);
    const before = await count();
    const { status, body } = await getJson(`${api.url}/quotes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_WRITE_TOKEN}` },
      body: raw,
    });
    expect(status).toBe(400);
    expect(body).toEqual({ error: "invalid_request", field, message: expect.stringMatching(new RegExp(`^${field}: got .+; allowed: ${allowed}`)) });
    expect(body.message.length).toBeLessThan(300);
    expect(await count()).toBe(before);
  });
});

describe("unknown routes and CORS", () => {
  it("answers an unknown route with 404 JSON naming it", async () => {
    const { status, headers, body } = await getJson(`${api.url}/no/such/route?x=1`);
    expect(status).toBe(404);
    expect(headers.get("content-type")).toContain("application/json");
    expect(body).toEqual({ error: "not_found", message: "no route GET /no/such/route" });
    expect((await getJson(`${api.url}/qod`, { method: "DELETE" })).status).toBe(405);
  });

  it("allows the configured browser origin and no other", async () => {
    const allowed = await getJson(`${api.url}/qod`, { headers: { origin: "http://ui.example.test" } });
    const other = await getJson(`${api.url}/qod`, { headers: { origin: "http://evil.example.test" } });
    const preflight = await fetch(`${api.url}/quotes`, {
      method: "OPTIONS",
      headers: { origin: "http://ui.example.test", "access-control-request-method": "POST" },
    });

    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://ui.example.test");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
  });
});

describe("error responses", () => {
  it("are never cacheable (cache-control: no-store), from every route and layer; successes keep their caching", async () => {
    const post = (body: string, type = "application/json") => getJson(`${api.url}/quotes`, { method: "POST", headers: { "content-type": type }, body });
    await postJson(`${api.url}/quotes`, { text: "Cache me not", author: "Tester" });
    const errors = {
      notFound: await getJson(`${api.url}/no/such/route`),
      wrongMethod: await getJson(`${api.url}/qod`, { method: "DELETE" }),
      badQuery: await getJson(`${api.url}/quotes?limit=abc`),
      invalidBody: await postJson(`${api.url}/quotes`, { text: "", author: "A" }),
      malformed: await post('{"text": '),
      wrongType: await post("text=hi", "text/plain"),
      tooLarge: await post(JSON.stringify({ text: "x".repeat(20_000), author: "A" })),
      duplicate: await postJson(`${api.url}/quotes`, { text: "Cache me not", author: "Tester" }),
    };
    const ok = await getJson(`${api.url}/qod`);

    for (const [name, res] of Object.entries(errors)) {
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.headers.get("cache-control"), name).toBe("no-store");
    }
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
  });
});
