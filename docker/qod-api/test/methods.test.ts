import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, startApi, startBackends, TEST_WRITE_TOKEN, type TestApi, type TestBackends } from "./helpers";

// GIVEN the service on a migrated database with the seed quotes
let backends: TestBackends;
let api: TestApi;

beforeAll(async () => {
  backends = await startBackends();
  api = await startApi({ POSTGRES_URL: backends.postgresUrl, REDIS_URL: backends.redis.url, CORS_ORIGINS: "http://ui.example.test" });
});

afterAll(async () => {
  await api?.stop();
  await backends?.stop();
});

const count = () => backends.quoteCount();

describe("methods a path does not have", () => {
  it.each([
    ["PUT", "/quotes", "GET, HEAD, POST, OPTIONS"],
    ["DELETE", "/quotes", "GET, HEAD, POST, OPTIONS"],
    ["PATCH", "/quotes", "GET, HEAD, POST, OPTIONS"],
    ["DELETE", "/qod", "GET, HEAD, OPTIONS"],
    ["POST", "/qod", "GET, HEAD, OPTIONS"],
    ["PUT", "/healthz", "GET, HEAD, OPTIONS"],
  ])("answers %s %s with 405, Allow and the JSON error shape", async (method, path, allow) => {
    const before = await count();
    const { status, headers, body } = await getJson(`${api.url}${path}?x=1`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_WRITE_TOKEN}` },
      // Not even parsed: the method is refused first.
      body: "{not json",
    });
    expect(status).toBe(405);
    expect(headers.get("allow")).toBe(allow);
    expect(headers.get("content-type")).toContain("application/json");
    expect(body).toEqual({ error: "method_not_allowed", message: `${method} ${path}: not allowed; allowed: ${allow}` });
    expect(await count()).toBe(before);
  });

  it("answers HEAD on a GET path like GET, without a body", async () => {
    const res = await fetch(`${api.url}/quotes?limit=1`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.text()).toBe("");
  });
});

describe("OPTIONS", () => {
  it("answers a preflight on a known path with 204 and that path's methods", async () => {
    const res = await fetch(`${api.url}/quotes`, {
      method: "OPTIONS",
      headers: { origin: "http://ui.example.test", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://ui.example.test");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect((await fetch(`${api.url}/qod`, { method: "OPTIONS" })).headers.get("access-control-allow-methods")).toBe("GET, HEAD, OPTIONS");
  });

  it.each(["/nope", "/quotes/1", "/"])("answers OPTIONS %s (no such path) with 404 JSON", async (path) => {
    const { status, body } = await getJson(`${api.url}${path}`, { method: "OPTIONS", headers: { origin: "http://ui.example.test" } });
    expect(status).toBe(404);
    expect(body).toEqual({ error: "not_found", message: `no route OPTIONS ${path}` });
  });
});

describe("__proto__ and constructor keys in a body", () => {
  it.each([
    ["__proto__", '{"text": "Hello", "author": "A", "__proto__": {"polluted": true}}', '__proto__: got {"polluted":true}; allowed: only text, author'],
    ["constructor", '{"text": "Hello", "author": "A", "constructor": {"prototype": {"polluted": true}}}', 'constructor: got {"prototype":{"polluted":true}}; allowed: only text, author'],
  ])("reports %s as an unknown field (400), writes nothing and pollutes no prototype", async (field, raw, message) => {
    const before = await count();
    const { status, body } = await getJson(`${api.url}/quotes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_WRITE_TOKEN}` },
      body: raw,
    });
    expect(status).toBe(400);
    expect(body).toEqual({ error: "invalid_request", field, message });
    expect(await count()).toBe(before);
    // The api runs in this process: a polluted prototype would show here.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});
