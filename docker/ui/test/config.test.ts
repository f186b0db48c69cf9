import { describe, expect, it } from "vitest";
import { UiConfigError, contentSecurityPolicy, loadUiConfig, renderConfigJs } from "../src/server/config";
import { resolveUnder } from "../src/server/static";

describe("loadUiConfig", () => {
  it("defaults to the page's own origin on port 8080", () => {
    expect(loadUiConfig({})).toEqual({ apiBaseUrl: "", port: 8080, host: "0.0.0.0" });
  });

  it("takes the api URL from API_BASE_URL without a trailing slash", () => {
    expect(loadUiConfig({ API_BASE_URL: "https://api.example.com/", PORT: "9000" })).toMatchObject({
      apiBaseUrl: "https://api.example.com",
      port: 9000,
    });
    expect(loadUiConfig({ API_BASE_URL: "http://localhost:8080/v1" }).apiBaseUrl).toBe("http://localhost:8080/v1");
  });

  it.each([
    ["not a URL", { API_BASE_URL: "api.example.com" }, 'API_BASE_URL: got "api.example.com"; allowed: an http:// or https:// URL'],
    ["another scheme", { API_BASE_URL: "ftp://api.example.com" }, 'API_BASE_URL: got "ftp://api.example.com"'],
    ["credentials", { API_BASE_URL: "https://u:p@api.example.com" }, "API_BASE_URL: got"],
    ["a query", { API_BASE_URL: "https://api.example.com/?x=1" }, "without credentials, query or fragment"],
    ["a bad port", { PORT: "eighty" }, 'PORT: got "eighty"; allowed: an integer from 1 to 65535 (default 8080)'],
    ["port zero", { PORT: "0" }, 'PORT: got "0"'],
    ["a bad host", { HOST: "local host" }, 'HOST: got "local host"'],
  ])("fails with %s, naming the variable and the value", (_case, env, message) => {
    expect(() => loadUiConfig(env)).toThrow(UiConfigError);
    expect(() => loadUiConfig(env)).toThrow(message);
  });
});

describe("renderConfigJs and the CSP", () => {
  it("writes the api URL as data the page reads, escaped so it cannot close a script", () => {
    expect(renderConfigJs({ apiBaseUrl: "https://api.example.com" })).toBe(
      'window.__QOD_CONFIG__ = Object.freeze({"apiBaseUrl":"https://api.example.com"});\n',
    );
    expect(renderConfigJs({ apiBaseUrl: "https://x.example/</script>" })).not.toContain("</script>");
  });

  it("lets the page fetch only from its own origin and the api's", () => {
    expect(contentSecurityPolicy({ apiBaseUrl: "" })).toContain("connect-src 'self';");
    expect(contentSecurityPolicy({ apiBaseUrl: "https://api.example.com/v1" })).toContain("connect-src 'self' https://api.example.com;");
    expect(contentSecurityPolicy({ apiBaseUrl: "" })).toContain("default-src 'self'");
  });
});

describe("resolveUnder", () => {
  it("maps paths into the root and refuses to leave it", () => {
    expect(resolveUnder("/srv/public", "/")).toBe("/srv/public/index.html");
    expect(resolveUnder("/srv/public", "/styles.css")).toBe("/srv/public/styles.css");
    expect(resolveUnder("/srv/public", "/../secret")).toBe("/srv/public/secret");
    expect(resolveUnder("/srv/public", "/%2e%2e/%2e%2e/etc/passwd")).toBe("/srv/public/etc/passwd");
    expect(resolveUnder("/srv/public", "/a/%00")).toBeUndefined();
    expect(resolveUnder("/srv/public", "/%E0%A4%A")).toBeUndefined();
  });
});
