import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, postJson, startApi, startBackends, TEST_WRITE_TOKEN, type TestApi, type TestBackends } from "./helpers";

// GIVEN a migrated database and a private Redis; each describe starts the api with its own write settings
let backends: TestBackends;
const apis: TestApi[] = [];

beforeAll(async () => {
  backends = await startBackends();
});

afterAll(async () => {
  for (const api of apis) await api.stop();
  await backends?.stop();
});

async function api(env: Record<string, string>): Promise<TestApi> {
  const started = await startApi({ POSTGRES_URL: backends.postgresUrl, REDIS_URL: backends.redis.url, ...env });
  apis.push(started);
  return started;
}

const count = () => backends.quoteCount();
let serial = 0;
const quote = () => ({ text: `Write test quote number ${++serial}.`, author: "Writes" });
/** A client the api tells apart by X-Forwarded-For (only where the api trusts the connecting proxy). */
const from = (client: string) => ({ "x-forwarded-for": client });

describe("POST /quotes needs the bearer token", () => {
  let base: string;
  beforeAll(async () => {
    // Behind a trusted proxy (loopback) so that each test is its own client with its own bucket.
    base = (await api({ TRUST_PROXY: "127.0.0.1", WRITE_BURST: "3", WRITE_RATE_PER_MINUTE: "1" })).url;
  });

  it("fails without an Authorization header: 401, WWW-Authenticate: Bearer, nothing written", async () => {
    const before = await count();
    const { status, headers, body } = await postJson(`${base}/quotes`, quote(), null, from("203.0.113.1"));
    expect(status).toBe(401);
    expect(headers.get("www-authenticate")).toMatch(/^Bearer realm="qod-api"/);
    expect(headers.get("content-type")).toContain("application/json");
    expect(body).toEqual({ error: "unauthorized", field: "authorization", message: expect.stringContaining("authorization: missing; allowed: Authorization: Bearer <token>") });
    expect(await count()).toBe(before);
  });

  it.each([
    ["a wrong token of the same length", `Bearer ${TEST_WRITE_TOKEN.slice(0, -1)}x`],
    ["a wrong short token", "Bearer nope"],
    ["the right token with another scheme", `Basic ${TEST_WRITE_TOKEN}`],
    ["the scheme without a token", "Bearer "],
  ])("fails with %s: 401 invalid_token, the token never echoed, nothing written", async (_case, authorization) => {
    const before = await count();
    const { status, headers, body } = await getJson(`${base}/quotes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization, ...from(`203.0.113.${10 + serial}`) },
      body: JSON.stringify(quote()),
    });
    expect(status).toBe(401);
    expect(headers.get("www-authenticate")).toMatch(/^Bearer realm="qod-api"/);
    expect(body).toMatchObject({ error: "unauthorized", field: "authorization" });
    expect(JSON.stringify(body)).not.toContain(TEST_WRITE_TOKEN.slice(0, 12));
    expect(await count()).toBe(before);
  });

  it("creates with the right token (the scheme in any case): 201", async () => {
    const before = await count();
    expect((await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, from("203.0.113.2"))).status).toBe(201);
    const lower = await getJson(`${base}/quotes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `bearer ${TEST_WRITE_TOKEN}`, ...from("203.0.113.2") },
      body: JSON.stringify(quote()),
    });
    expect(lower.status).toBe(201);
    expect(await count()).toBe(before + 2);
  });

  it("keeps reads public: GET /quotes and GET /qod need no token", async () => {
    expect((await getJson(`${base}/quotes?limit=1`)).status).toBe(200);
    expect((await getJson(`${base}/qod`)).status).toBe(200);
  });

  it("fails past a client's burst: 429 with Retry-After, nothing written; other clients still write", async () => {
    const client = from("198.51.100.7");
    for (let i = 0; i < 3; i++) expect((await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, client)).status).toBe(201);
    const before = await count();

    const limited = await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, client);

    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    // One token per minute refills: the wait is at most a minute, and more than nothing.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body).toMatchObject({ error: "rate_limited" });
    expect(limited.body.message).toContain("at most 3 writes at once and 1 per minute");
    expect(await count()).toBe(before);
    expect((await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, from("198.51.100.8"))).status).toBe(201);
  });

  it("counts a client's failed attempts too: guessing tokens ends in 429", async () => {
    const client = from("198.51.100.9");
    for (let i = 0; i < 3; i++) expect((await postJson(`${base}/quotes`, quote(), `guess-${i}`, client)).status).toBe(401);
    const { status, headers } = await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, client);
    expect(status).toBe(429);
    expect(headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("the instance-wide write limit", () => {
  let base: string;
  beforeAll(async () => {
    base = (await api({ TRUST_PROXY: "127.0.0.1", WRITE_BURST: "2", WRITE_RATE_PER_MINUTE: "1", WRITE_GLOBAL_BURST: "3", WRITE_GLOBAL_RATE_PER_MINUTE: "1" })).url;
  });

  it("is not drained by requests without the token", async () => {
    for (let i = 0; i < 6; i++) expect((await postJson(`${base}/quotes`, quote(), null, from(`192.0.2.${i + 1}`))).status).toBe(401);
    expect((await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, from("192.0.2.100"))).status).toBe(201);
  });

  it("fails past the instance's burst across clients: 429 with Retry-After, nothing written", async () => {
    expect((await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, from("192.0.2.101"))).status).toBe(201);
    expect((await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, from("192.0.2.102"))).status).toBe(201);
    const before = await count();
    const limited = await postJson(`${base}/quotes`, quote(), TEST_WRITE_TOKEN, from("192.0.2.103"));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.body.message).toContain("this instance accepts at most 3 writes at once and 1 per minute");
    expect(await count()).toBe(before);
  });
});

describe("X-Forwarded-For", () => {
  it("is ignored unless the connecting address is a trusted proxy: a client cannot pick a fresh bucket", async () => {
    const { url } = await api({ WRITE_BURST: "2", WRITE_RATE_PER_MINUTE: "1" });
    expect((await postJson(`${url}/quotes`, quote(), TEST_WRITE_TOKEN, from("10.9.9.1"))).status).toBe(201);
    expect((await postJson(`${url}/quotes`, quote(), TEST_WRITE_TOKEN, from("10.9.9.2"))).status).toBe(201);
    expect((await postJson(`${url}/quotes`, quote(), TEST_WRITE_TOKEN, from("10.9.9.3"))).status).toBe(429);
  });
});

describe("without WRITE_TOKEN", () => {
  it("refuses every write with 403 writes_disabled, and still serves reads", async () => {
    const { url } = await api({ WRITE_TOKEN: "" });
    const before = await count();
    const anonymous = await postJson(`${url}/quotes`, quote(), null);
    const withToken = await postJson(`${url}/quotes`, quote(), TEST_WRITE_TOKEN);
    for (const refused of [anonymous, withToken]) {
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: "writes_disabled", message: expect.stringContaining("WRITE_TOKEN") });
    }
    expect(await count()).toBe(before);
    expect((await getJson(`${url}/quotes?limit=1`)).status).toBe(200);
  });
});
