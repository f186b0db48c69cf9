import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, UI_DIR } from "../../test/support/build";
import { freshDatabase } from "../../test/support/databases";
import { freePort } from "../../test/support/net";
import { startChild, waitUntilServing, type Child } from "../../test/support/processes";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { getJson, migrated, startApi, type TestApi } from "../../qod-api/test/helpers";

/** Debian's Chromium, never a downloaded browser; flags for a headless run as root on a closed network. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const ARTIFACTS = join(REPO_ROOT, ".out");

// GIVEN a live api (real PostgreSQL and Redis), the ui pointed at it through API_BASE_URL, and Chromium
let redis: RedisServer;
let api: TestApi;
let browser: Browser;
let uiPort: number;
const uis: Child[] = [];

async function startUi(apiBaseUrl: string, port: number): Promise<string> {
  const ui = startChild(["node", "dist/server/main.js", "serve"], UI_DIR, { PORT: String(port), HOST: "127.0.0.1", API_BASE_URL: apiBaseUrl });
  uis.push(ui);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(ui, `${url}/healthz`);
  return url;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const postgresUrl = await freshDatabase("qod_browser");
  await migrated(postgresUrl);
  redis = await startRedis();
  uiPort = await freePort();
  // CORS allows exactly the ui's origin, as in compose and the cluster.
  api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, CORS_ORIGINS: `http://127.0.0.1:${uiPort}` });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  for (const ui of uis) {
    ui.process.kill("SIGTERM");
    await ui.exited;
  }
  await api?.stop();
  await redis?.stop();
});

describe("the ui in Chromium", () => {
  it("shows the api's quote of the day (screenshot: .out/ui-quote.png)", async () => {
    const uiUrl = await startUi(api.url, uiPort);
    const expected = (await getJson(`${api.url}/qod`)).body;
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    await page.goto(uiUrl);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });

    expect(await page.textContent("#quote-text")).toBe(expected.quote.text);
    expect(await page.textContent("#quote-author")).toBe(expected.quote.author);
    expect(await page.textContent("#quote-date")).toBe(expected.date);
    expect(await page.isVisible("#retry")).toBe(false);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "ui-quote.png") });
    await page.close();
  });

  it("shows an error with a retry button when the api cannot be reached (screenshot: .out/ui-error.png)", async () => {
    const uiUrl = await startUi(`http://127.0.0.1:${await freePort()}`, await freePort());
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });

    await page.goto(uiUrl);
    await page.waitForSelector('body[data-state="error"]', { timeout: 15_000 });

    expect(await page.textContent("#status")).toContain("Could not load the quote of the day");
    expect(await page.isVisible("#retry")).toBe(true);
    expect(await page.isVisible("#quote")).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "ui-error.png") });
    await page.close();
  });
});
