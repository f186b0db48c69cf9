import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientErrorAnswer } from "../src/http-errors";
import { freshDatabase } from "../../test/support/databases";
import { waitFor } from "../../test/support/net";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { getJson, migrated, rawRequest, startApi, TEST_WRITE_TOKEN, type RawResponse, type TestApi } from "./helpers";

// GIVEN the service on real PostgreSQL and Redis, and clients that send what no browser would:
// a malformed request line, headers past Node's 16 KB limit, a URL that does not decode, a body
// in a type the API does not read
let redis: RedisServer;
let api: TestApi;
let postgresUrl: string;

beforeAll(async () => {
  postgresUrl = await freshDatabase();
  await migrated(postgresUrl);
  redis = await startRedis();
  api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url });
});

afterAll(async () => {
  await api?.stop();
  await redis?.stop();
});

const HUGE_HEADER = `x-filler: ${"a".repeat(20 * 1024)}\r\n`;

/** The hostile requests, each with the status it must get; `Connection: close` so the read ends. */
const HOSTILE: readonly [string, string, number][] = [
  ["a malformed request line", "NOT A REQUEST LINE\r\n\r\n", 400],
  ["a malformed header", "GET /qod HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n", 400],
  ["headers over 16 KB", `GET /qod HTTP/1.1\r\nHost: x\r\n${HUGE_HEADER}\r\n`, 431],
  ["a URL that does not decode (GET /%)", "GET /% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
];

/** The documented error shape, as JSON, not sniffable, without the framework's internals. */
function expectDocumentedError(res: RawResponse, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.headers["x-content-type-options"]).toBe("nosniff");
  expect(res.body).not.toContain("FST_");
  const body: unknown = JSON.parse(res.body);
  expect(body).toEqual({ error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), ...(typeof body === "object" && body !== null && "field" in body ? { field: expect.any(String) } : {}) });
  expect(Object.keys(body as object).every((key) => ["error", "message", "field"].includes(key))).toBe(true);
}

describe("errors from every layer, on the API port", () => {
  it.each(HOSTILE)("answers %s with the documented JSON error", async (_case, bytes, status) => {
    expectDocumentedError(await rawRequest(api.url, bytes), status);
  });

  it("names the code of each: bad_request, header_too_large", async () => {
    expect(JSON.parse((await rawRequest(api.url, HOSTILE[0][1])).body).error).toBe("bad_request");
    expect(JSON.parse((await rawRequest(api.url, HOSTILE[2][1])).body).error).toBe("header_too_large");
    expect(JSON.parse((await rawRequest(api.url, HOSTILE[3][1])).body)).toMatchObject({ error: "bad_request", field: "url" });
  });

  it("answers a body of a type the API does not read with 415 naming content-type", async () => {
    const body = "text=hi&author=me";
    // With the write token: the body's type is judged only once the write itself is allowed.
    const res = await rawRequest(
      api.url,
      `POST /quotes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${TEST_WRITE_TOKEN}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expectDocumentedError(res, 415);
    expect(JSON.parse(res.body)).toMatchObject({ error: "unsupported_media_type", field: "content-type" });
    expect(JSON.parse(res.body).message).toContain("application/json");
  });

  it("answers a request too slow to arrive (Node's request timeout) with 408 request_timeout", () => {
    const timeout = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
    expect(clientErrorAnswer(timeout)).toEqual({ status: 408, body: { error: "request_timeout", message: expect.any(String) } });
  });

  it("marks every answer nosniff: success, 404, validation error", async () => {
    for (const [path, status] of [["/healthz", 200], ["/qod", 200], ["/nope", 404], ["/quotes?limit=abc", 400]] as const) {
      const res = await getJson(`${api.url}${path}`);
      expect(res.status, path).toBe(status);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });
});

describe("the metrics listener", () => {
  it("serves the Prometheus text on its own port, not on the API port", async () => {
    const metrics = await getJson(`${api.metricsUrl}/metrics`);
    const onApiPort = await getJson(`${api.url}/metrics`);

    expect(new URL(api.metricsUrl).port).not.toBe(new URL(api.url).port);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(metrics.headers.get("x-content-type-options")).toBe("nosniff");
    expect(metrics.body).toMatch(/^qod_api_info\{/m);
    expect(onApiPort.status).toBe(404);
    expect(onApiPort.body).toEqual({ error: "not_found", message: "no route GET /metrics" });
  });

  it("answers nothing but GET /metrics: other paths 404, other methods 405, as documented JSON errors", async () => {
    const qod = await rawRequest(api.metricsUrl, "GET /qod HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const post = await rawRequest(api.metricsUrl, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");

    expectDocumentedError(qod, 404);
    expectDocumentedError(post, 405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  // node:http does not decode paths, so `GET /%` is one more unknown path there (404).
  it.each(HOSTILE.map(([what, bytes, status]): [string, string, number] => [what, bytes, bytes.startsWith("GET /% ") ? 404 : status]))(
    "answers %s with the documented JSON error",
    async (_case, bytes, status) => {
      expectDocumentedError(await rawRequest(api.metricsUrl, bytes), status);
    },
  );
});

describe("a request that completes while the listener closes", () => {
  it("gets 503 shutting_down in the documented shape, not the framework's body", async () => {
    // GIVEN a connection that has sent half a request (the listener keeps it: it is not idle)
    const own = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, SHUTDOWN_DRAIN_MS: "0", SHUTDOWN_TIMEOUT_MS: "30000" });
    const { hostname, port } = new URL(own.url);
    const socket = connect({ host: hostname, port: Number(port) });
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await new Promise<void>((resolve) => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n", () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // WHEN shutdown closes the listener and the request is then completed
    const done = own.shutdown("SIGTERM");
    await waitFor("the listener to close", async () => fetch(`${own.url}/healthz`).then(() => false, () => true));
    socket.write("\r\n");
    await closed;
    await done;

    // THEN it is refused in the documented shape, and shutdown still ends cleanly
    const [head, body] = received.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain("content-type: application/json");
    expect(head.toLowerCase()).toContain("x-content-type-options: nosniff");
    expect(JSON.parse(body)).toEqual({ error: "shutting_down", message: expect.any(String) });
    expect(own.exits).toEqual([0]);
  });
});
