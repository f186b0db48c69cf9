import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UI_DIR } from "../../test/support/build";
import { freePort } from "../../test/support/net";
import { runChild, startChild, waitUntilServing, type Child } from "../../test/support/processes";

// GIVEN the ui server started as its image starts it (node dist/server/main.js serve)
let ui: Child;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  ui = startChild(["node", "dist/server/main.js", "serve"], UI_DIR, { PORT: String(port), HOST: "127.0.0.1", API_BASE_URL: "http://127.0.0.1:9" });
  base = `http://127.0.0.1:${port}`;
  await waitUntilServing(ui, `${base}/healthz`);
});

afterAll(async () => {
  ui?.process.kill("SIGTERM");
  await ui?.exited;
});

/** A raw GET (fetch would normalize `..` away before sending). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the ui server", () => {
  it("serves the page, its script, its styles and the generated config with safe headers", async () => {
    const page = await fetch(`${base}/`);
    const app = await fetch(`${base}/app.js`);
    const css = await fetch(`${base}/styles.css`);
    const config = await fetch(`${base}/config.js`);

    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self' http://127.0.0.1:9;");
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await app.text()).toContain("__QOD_CONFIG__");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(config.headers.get("cache-control")).toBe("no-store");
    expect(await config.text()).toBe('window.__QOD_CONFIG__ = Object.freeze({"apiBaseUrl":"http://127.0.0.1:9"});\n');
  });

  it("answers HEAD without a body, refuses other methods, and 404s unknown files and path escapes", async () => {
    const head = await fetch(`${base}/`, { method: "HEAD" });
    const post = await fetch(`${base}/`, { method: "POST", body: "x" });

    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${base}/nope.html`)).status).toBe(404);
    expect(await rawGet("/../package.json")).toBe(404);
    expect(await rawGet("/%2e%2e/package.json")).toBe(404);
    expect(await rawGet("/../../../../etc/passwd")).toBe(404);
  });
});

describe("revalidation of the static files", () => {
  it("gives each file a strong ETag (a hash of its content) and its Last-Modified, keeping cache-control no-cache", async () => {
    const page = await fetch(`${base}/`);
    const again = await fetch(`${base}/index.html`);
    const app = await fetch(`${base}/app.js`);
    const body = Buffer.from(await page.arrayBuffer());

    const etag = page.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{16,}"$/);
    expect(etag).toBe(`"${createHash("sha256").update(body).digest("base64url")}"`);
    expect(again.headers.get("etag")).toBe(etag);
    expect(app.headers.get("etag")).toMatch(/^"/);
    expect(app.headers.get("etag")).not.toBe(etag);
    expect(new Date(page.headers.get("last-modified") ?? "").getTime()).toBe(Math.floor(statSync(join(UI_DIR, "public", "index.html")).mtimeMs / 1000) * 1000);
    expect(page.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers If-None-Match with the current ETag by 304 without a body, and a stale one by 200", async () => {
    const etag = (await fetch(`${base}/app.js`)).headers.get("etag") ?? "";

    const fresh = await fetch(`${base}/app.js`, { headers: { "if-none-match": etag } });
    const listed = await fetch(`${base}/app.js`, { headers: { "if-none-match": `"other", W/${etag}` } });
    const stale = await fetch(`${base}/app.js`, { headers: { "if-none-match": '"stale"' } });

    expect(fresh.status).toBe(304);
    expect(await fresh.text()).toBe("");
    expect(fresh.headers.get("etag")).toBe(etag);
    expect(fresh.headers.get("cache-control")).toBe("no-cache");
    expect(listed.status).toBe(304);
    expect(stale.status).toBe(200);
    expect(await stale.text()).toContain("__QOD_CONFIG__");
  });

  it("answers If-Modified-Since by 304 when the file is not newer, and If-None-Match takes precedence", async () => {
    const lastModified = (await fetch(`${base}/styles.css`)).headers.get("last-modified") ?? "";
    const earlier = new Date(new Date(lastModified).getTime() - 60_000).toUTCString();

    const same = await fetch(`${base}/styles.css`, { headers: { "if-modified-since": lastModified } });
    const older = await fetch(`${base}/styles.css`, { headers: { "if-modified-since": earlier } });
    const staleTagFreshDate = await fetch(`${base}/styles.css`, { headers: { "if-none-match": '"stale"', "if-modified-since": lastModified } });
    const garbage = await fetch(`${base}/styles.css`, { headers: { "if-modified-since": "yesterday" } });

    expect(same.status).toBe(304);
    expect(await same.text()).toBe("");
    expect(older.status).toBe(200);
    expect(staleTagFreshDate.status).toBe(200);
    expect(garbage.status).toBe(200);
  });

  it("gives /config.js an ETag too, and answers HEAD with the same validators", async () => {
    const config = await fetch(`${base}/config.js`);
    const head = await fetch(`${base}/`, { method: "HEAD" });
    const page = await fetch(`${base}/`);

    expect(config.headers.get("etag")).toMatch(/^"/);
    expect((await fetch(`${base}/config.js`, { headers: { "if-none-match": config.headers.get("etag") ?? "" } })).status).toBe(304);
    expect(head.headers.get("etag")).toBe(page.headers.get("etag"));
    expect(head.headers.get("last-modified")).toBe(page.headers.get("last-modified"));
  });
});

describe("node dist/server/main.js", () => {
  it("prints the config.js for API_BASE_URL with `config`", async () => {
    const { code, output } = await runChild(["node", "dist/server/main.js", "config"], UI_DIR, { API_BASE_URL: "https://api.example.com" });
    expect(code).toBe(0);
    expect(output).toBe('window.__QOD_CONFIG__ = Object.freeze({"apiBaseUrl":"https://api.example.com"});\n');
  });

  it("refuses to start with a bad API_BASE_URL or PORT, naming them", async () => {
    const { code, output } = await runChild(["node", "dist/server/main.js", "serve"], UI_DIR, { API_BASE_URL: "api:8080", PORT: "x" });
    expect(code).toBe(1);
    expect(output).toContain('API_BASE_URL: got "api:8080"; allowed:');
    expect(output).toContain('PORT: got "x"; allowed:');
  });

  it("fails the healthcheck when nothing answers, and refuses unknown commands", async () => {
    expect((await runChild(["node", "dist/server/main.js", "healthcheck"], UI_DIR, { PORT: String(await freePort()) })).code).toBe(1);
    const unknown = await runChild(["node", "dist/server/main.js", "start"], UI_DIR, {});
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('command: got "start"; allowed: serve, config, healthcheck');
  });
});
