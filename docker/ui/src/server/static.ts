/**
 * A small static file server (node:http): GET/HEAD only, files from fixed directories, no
 * directory listing, no path escapes, `/config.js` generated from the deploy-time config.
 * Files carry a strong ETag (a hash of the content) and Last-Modified, so `cache-control:
 * no-cache` revalidation costs a 304, not the file.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile, stat } from "node:fs/promises";
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

/** What a revalidation compares: the strong ETag and, for files, the modification time. */
interface Validators {
  /** `"<base64url sha-256 of the content>"` */
  readonly etag: string;
  /** The file's mtime in whole seconds (HTTP dates have no finer unit), or undefined for generated content. */
  readonly modifiedSeconds?: number;
}

interface StaticFile extends Validators {
  readonly body: Buffer;
  readonly mtimeMs: number;
  readonly size: number;
}

function etagOf(body: string | Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url")}"`;
}

/**
 * Whether the client's copy is current (RFC 9110 §13.1): If-None-Match when present (weak
 * comparison, `*` matches), else If-Modified-Since against the file's mtime.
 */
export function notModified(req: Pick<IncomingMessage, "headers">, validators: Validators): boolean {
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(",").some((tag) => {
      const t = tag.trim();
      return t === "*" || t.replace(/^W\//, "") === validators.etag;
    });
  }
  const ifModifiedSince = req.headers["if-modified-since"];
  if (ifModifiedSince === undefined || validators.modifiedSeconds === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && validators.modifiedSeconds * 1000 <= since;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean, cache = "no-cache", validators?: Validators) {
  const headers: Record<string, string | number> = { "cache-control": cache };
  if (validators) {
    headers.etag = validators.etag;
    if (validators.modifiedSeconds !== undefined) headers["last-modified"] = new Date(validators.modifiedSeconds * 1000).toUTCString();
  }
  if (validators && notModified(res.req, validators)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/**
 * Files by path, each hashed once: the image's files never change, and a file that does (a
 * rebuild under a running dev server) is re-read when its mtime or size moves.
 */
class FileCache {
  private readonly files = new Map<string, StaticFile>();

  async get(path: string): Promise<StaticFile | undefined> {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    const cached = this.files.get(path);
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const body = await readFile(path).catch(() => undefined);
    if (body === undefined) return undefined;
    const file: StaticFile = { body, etag: etagOf(body), modifiedSeconds: Math.floor(info.mtimeMs / 1000), mtimeMs: info.mtimeMs, size: info.size };
    this.files.set(path, file);
    return file;
  }
}

export function createUiServer(options: UiServerOptions): Server {
  const configJs = renderConfigJs(options.config);
  const configValidators: Validators = { etag: etagOf(configJs) };
  const files = new FileCache();
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
    if (path === "/config.js") return send(res, 200, TYPES[".js"], configJs, head, "no-store", configValidators);
    for (const root of options.roots) {
      const file = resolveUnder(root, path);
      if (file === undefined) break;
      const found = await files.get(file);
      // Not in this root: try the next.
      if (found !== undefined) return send(res, 200, TYPES[extname(file)] ?? "application/octet-stream", found.body, head, "no-cache", found);
    }
    return send(res, 404, "text/plain; charset=utf-8", "not found\n", head);
  });
}
