/**
 * What a path answers besides its routes: `OPTIONS` (the CORS preflight) on every known path,
 * and 405 with `Allow` for any other method fastify knows. Unknown paths stay 404, `OPTIONS`
 * included. Call `trackRoutes` before the routes are added and `addMethodRoutes` after.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";

/** The methods of each path, as registered (fastify adds HEAD to every GET route). */
export type RouteTable = Map<string, Set<string>>;

/** The order `Allow` lists methods in. */
const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export function trackRoutes(app: FastifyInstance): RouteTable {
  const table: RouteTable = new Map();
  app.addHook("onRoute", (route) => {
    const methods = table.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) {
      methods.add(method);
      if (method === "GET" && route.exposeHeadRoute !== false) methods.add("HEAD");
    }
    table.set(route.url, methods);
  });
  return table;
}

function allowHeader(methods: ReadonlySet<string>): string {
  return [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).join(", ");
}

function rank(method: string): number {
  const i = ORDER.indexOf(method);
  return i === -1 ? ORDER.length : i;
}

export interface MethodRoutesOptions {
  /** Request headers a browser may send cross-origin. */
  readonly allowHeaders: readonly string[];
}

export function addMethodRoutes(app: FastifyInstance, table: RouteTable, options: MethodRoutesOptions): void {
  // A snapshot: the routes added below must not extend the table they are derived from.
  const paths = [...table].map(([url, methods]) => ({ url, methods: new Set([...methods, "OPTIONS"]) }));
  for (const { url, methods } of paths) {
    const allow = allowHeader(methods);
    app.options(url, async (_request, reply) =>
      reply
        .code(204)
        .header("access-control-allow-methods", allow)
        .header("access-control-allow-headers", options.allowHeaders.join(", "))
        .header("access-control-max-age", "600")
        .send(),
    );
    const others = app.supportedMethods.filter((m) => !methods.has(m)) as HTTPMethods[];
    if (others.length === 0) continue;
    app.route({
      method: others,
      url,
      // Refused before the body is read or parsed.
      onRequest: async (request: FastifyRequest, reply: FastifyReply) =>
        reply
          .code(405)
          .header("allow", allow)
          .type("application/json; charset=utf-8")
          .send({ error: "method_not_allowed", message: `${request.method} ${url}: not allowed; allowed: ${allow}` }),
      handler: async (_request, reply) => reply,
    });
  }
}
