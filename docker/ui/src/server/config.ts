/**
 * The ui's deploy-time configuration, from environment variables read at container start:
 * the page itself is built once and never rebuilt per environment.
 */

export interface UiConfig {
  /** `API_BASE_URL`: where the browser calls the api; "" means the page's own origin (`/qod` routed to the api). */
  readonly apiBaseUrl: string;
  /** `PORT` @default 8080 */
  readonly port: number;
  /** `HOST` @default "0.0.0.0" */
  readonly host: string;
}

/** Every variable the ui server reads (compose and the docs are checked against this list). */
export const UI_VARIABLES = {
  API_BASE_URL: "absolute http(s) URL of the api as the browser reaches it; empty for the page's own origin",
  PORT: "listen port, default 8080",
  HOST: "listen address, default 0.0.0.0",
} as const;

export class UiConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "UiConfigError";
  }
}

export function loadUiConfig(env: Readonly<Record<string, string | undefined>>): UiConfig {
  const problems: string[] = [];
  const rawApi = (env.API_BASE_URL ?? "").trim();
  let apiBaseUrl = "";
  if (rawApi !== "") {
    let url: URL | undefined;
    try {
      url = new URL(rawApi);
    } catch {
      url = undefined;
    }
    if (!url || !["http:", "https:"].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
      problems.push(
        `API_BASE_URL: got ${JSON.stringify(rawApi)}; allowed: an http:// or https:// URL without credentials, query or fragment (e.g. https://api.example.com), or empty for the page's own origin`,
      );
    } else {
      apiBaseUrl = url.toString().replace(/\/+$/, "");
    }
  }
  const rawPort = (env.PORT ?? "").trim();
  const port = rawPort === "" ? 8080 : /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 1 && port <= 65535)) problems.push(`PORT: got ${JSON.stringify(rawPort)}; allowed: an integer from 1 to 65535 (default 8080)`);
  const host = (env.HOST ?? "").trim() || "0.0.0.0";
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) problems.push(`HOST: got ${JSON.stringify(host)}; allowed: an IP address or host name (default 0.0.0.0)`);
  if (problems.length > 0) throw new UiConfigError(problems);
  return { apiBaseUrl, port, host };
}

/** The `/config.js` the page loads before its app: the only per-deployment file. */
export function renderConfigJs(config: Pick<UiConfig, "apiBaseUrl">): string {
  const json = JSON.stringify({ apiBaseUrl: config.apiBaseUrl }).replace(/</g, "\\u003c");
  return `window.__QOD_CONFIG__ = Object.freeze(${json});\n`;
}

/** Content-Security-Policy: scripts and styles from the page's origin only; fetch also to the api. */
export function contentSecurityPolicy(config: Pick<UiConfig, "apiBaseUrl">): string {
  const api = config.apiBaseUrl === "" ? "" : ` ${new URL(config.apiBaseUrl).origin}`;
  return `default-src 'self'; connect-src 'self'${api}; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`;
}
