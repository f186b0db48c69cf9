/**
 * A small static file server (node:http): GET/HEAD only, files from fixed directories, no
 * directory listing, no path escapes, `/config.js` generated from the deploy-time config.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { contentSecurityPolicy, renderConfigJs, type UiConfig } from "./config";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};

export interface UiServerOptions {
  readonly config: Pick<UiConfig, "apiBaseUrl">;
  /** Directories files are served from, first match wins (e.g. `public/`, `dist/web/`). */
  readonly roots: readonly string[];
}

/** The file a URL path maps to under `root`, or undefined when it would leave `root`. */
export function resolveUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const relative = normalize(decoded === "/" ? "/index.html" : decoded).replace(/^[/\\]+/, "");
  if (relative.split(sep).includes("..")) return undefined;
  const file = join(root, relative);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean, cache = "no-cache") {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": cache });
  res.end(head ? undefined : body);
}

export function createUiServer(options: UiServerOptions): Server {
  const configJs = renderConfigJs(options.config);
  const csp = contentSecurityPolicy(options.config);
  return createServer(async (req, res) => {
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("content-security-policy", csp);
    const method = req.method ?? "GET";
    const head = method === "HEAD";
    if (method !== "GET" && !head) {
      res.setHeader("allow", "GET, HEAD");
      return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n", false);
    }
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return send(res, 200, "text/plain; charset=utf-8", "ok\n", head, "no-store");
    if (path === "/config.js") return send(res, 200, TYPES[".js"], configJs, head, "no-store");
    for (const root of options.roots) {
      const file = resolveUnder(root, path);
      if (file === undefined) break;
      try {
        const body = await readFile(file);
        return send(res, 200, TYPES[extname(file)] ?? "application/octet-stream", body, head);
      } catch {
        // not in this root: try the next
      }
    }
    return send(res, 404, "text/plain; charset=utf-8", "not found\n", head);
  });
}
