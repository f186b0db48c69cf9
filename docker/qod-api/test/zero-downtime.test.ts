import { Agent, createServer, request, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_DIR } from "../../test/support/build";
import { freshDatabase } from "../../test/support/databases";
import { execForm, lastInstruction, parseDockerfile } from "../../test/support/dockerfile";
import { freePort, sleep, waitFor } from "../../test/support/net";
import { killAllChildren, startChild, waitUntilServing, type Child } from "../../test/support/processes";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { migrated } from "./helpers";

/**
 * A tiny round-robin load balancer, as a Kubernetes Service/ALB behaves: it polls every backend's
 * /readyz and routes only to backends that answered 200. Keep-alive to the backends, no retries.
 */
class RoundRobinProxy {
  readonly server: Server;
  readonly served = new Map<string, number>();
  private readonly ready = new Map<string, boolean>();
  private readonly agent = new Agent({ keepAlive: true });
  private next = 0;
  private polling = true;
  private poller: Promise<void> = Promise.resolve();

  constructor(private readonly backends: readonly string[]) {
    backends.forEach((b) => {
      this.ready.set(b, false);
      this.served.set(b, 0);
    });
    this.server = createServer((req, res) => {
      const live = this.backends.filter((b) => this.ready.get(b));
      if (live.length === 0) {
        res.writeHead(503).end("no ready backend");
        return;
      }
      const target = new URL(req.url ?? "/", live[this.next++ % live.length]);
      const upstream = request(target, { method: req.method, headers: req.headers, agent: this.agent }, (answer) => {
        this.served.set(target.origin, (this.served.get(target.origin) ?? 0) + 1);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", (error) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(`proxy error: ${error.message}`);
      });
      req.pipe(upstream);
    });
  }

  isReady(backend: string): boolean {
    return this.ready.get(backend) ?? false;
  }

  /** Polls readiness every `everyMs` until `stop()`. */
  startPolling(everyMs: number): void {
    this.poller = (async () => {
      while (this.polling) {
        await Promise.all(
          this.backends.map(async (b) => {
            try {
              const res = await fetch(`${b}/readyz`, { signal: AbortSignal.timeout(1_000) });
              await res.arrayBuffer();
              this.ready.set(b, res.status === 200);
            } catch {
              this.ready.set(b, false);
            }
          }),
        );
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.polling = false;
    await this.poller;
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// GIVEN two api instances started with the image's CMD, sharing a database and a Redis, behind the proxy
const cmd = execForm(lastInstruction(parseDockerfile(readFileSync(join(API_DIR, "Dockerfile"), "utf8")).at(-1)!, "CMD")!.args);
let redis: RedisServer;
let instances: { url: string; child: Child }[];
let proxy: RoundRobinProxy;
let proxyUrl: string;

beforeAll(async () => {
  const postgresUrl = await freshDatabase("qod_zero_downtime");
  await migrated(postgresUrl);
  redis = await startRedis();
  instances = await Promise.all(
    [0, 1].map(async () => {
      const port = await freePort();
      const child = startChild(cmd, API_DIR, {
        POSTGRES_URL: postgresUrl,
        REDIS_URL: redis.url,
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        SHUTDOWN_DRAIN_MS: "1500",
        SHUTDOWN_TIMEOUT_MS: "20000",
      });
      const url = `http://127.0.0.1:${port}`;
      await waitUntilServing(child, `${url}/readyz`);
      return { url, child };
    }),
  );
  proxy = new RoundRobinProxy(instances.map((i) => i.url));
  const port = await freePort();
  await new Promise<void>((resolve) => proxy.server.listen(port, "127.0.0.1", () => resolve()));
  proxyUrl = `http://127.0.0.1:${port}`;
  proxy.startPolling(100);
  await waitFor("both backends ready in the proxy", async () => instances.every((i) => proxy.isReady(i.url)));
});

afterAll(async () => {
  await proxy?.stop();
  await killAllChildren();
  await redis?.stop();
});

describe("zero-downtime", () => {
  it("loses no request when one of two instances gets SIGTERM under a steady stream of requests", async () => {
    const [leaving, staying] = instances;
    const failures: string[] = [];
    let sent = 0;
    let leavingExit: number | string | undefined;
    let unreadySeenBeforeExit = false;
    const MIN_REQUESTS = 600;
    const MAX_REQUESTS = 5_000; // bound even if the instance never exits
    const SIGTERM_AT = 150;
    const deadline = Date.now() + 45_000;

    void leaving.child.exited.then((code) => {
      leavingExit = code;
    });
    const worker = async () => {
      while (sent < MAX_REQUESTS && Date.now() < deadline && (sent < MIN_REQUESTS || leavingExit === undefined)) {
        const n = ++sent;
        if (n === SIGTERM_AT) leaving.child.process.kill("SIGTERM");
        if (leavingExit === undefined && !proxy.isReady(leaving.url) && n > SIGTERM_AT) unreadySeenBeforeExit = true;
        try {
          const res = await fetch(`${proxyUrl}/qod`, { signal: AbortSignal.timeout(10_000) });
          const body = await res.text();
          if (res.status !== 200) failures.push(`#${n}: ${res.status} ${body.slice(0, 200)}`);
        } catch (error) {
          failures.push(`#${n}: ${error instanceof Error ? error.message : String(error)}`);
        }
        await sleep(2);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);

    expect(failures).toEqual([]);
    expect(leavingExit).toBe(0);
    expect(unreadySeenBeforeExit).toBe(true);
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(proxy.served.get(leaving.url)).toBeGreaterThan(0);
    expect(proxy.served.get(staying.url)).toBeGreaterThan(proxy.served.get(leaving.url) ?? 0);
    expect(leaving.child.output()).not.toMatch(/"level":(50|60)/);
  });
});
