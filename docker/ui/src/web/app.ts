/**
 * The page: fetches the quote of the day from the api and shows it, with a loading state and an
 * error state that offers a retry. The api's base URL comes from /config.js (written at deploy time).
 */

interface QodConfig {
  readonly apiBaseUrl: string;
}

interface QodResponse {
  readonly date: string;
  readonly quote: { readonly text: string; readonly author: string };
}

declare global {
  interface Window {
    __QOD_CONFIG__?: QodConfig;
  }
}

type State = "loading" | "ready" | "error";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

function isQodResponse(value: unknown): value is QodResponse {
  if (typeof value !== "object" || value === null) return false;
  const { date, quote } = value as { date?: unknown; quote?: { text?: unknown; author?: unknown } };
  return typeof date === "string" && typeof quote?.text === "string" && typeof quote.author === "string";
}

function setState(state: State, message: string): void {
  document.body.dataset.state = state;
  element("status").textContent = message;
  element<HTMLButtonElement>("retry").hidden = state !== "error";
  element("quote").hidden = state !== "ready";
}

async function errorText(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") return body.message;
  } catch {
    // not JSON
  }
  return `the service answered ${response.status}`;
}

async function load(): Promise<void> {
  const base = window.__QOD_CONFIG__?.apiBaseUrl ?? "";
  setState("loading", "Loading today's quote…");
  try {
    const response = await fetch(`${base}/qod`, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(await errorText(response));
    const body: unknown = await response.json();
    if (!isQodResponse(body)) throw new Error("the service sent an unexpected answer");
    element("quote-text").textContent = body.quote.text;
    element("quote-author").textContent = body.quote.author;
    element("quote-date").textContent = body.date;
    element<HTMLTimeElement>("quote-date").dateTime = body.date;
    setState("ready", "");
  } catch (error) {
    // fetch rejects with a TypeError when the network or CORS fails: say so plainly.
    const reason = error instanceof TypeError ? "the service could not be reached" : error instanceof Error ? error.message : String(error);
    setState("error", `Could not load the quote of the day (${reason}).`);
  }
}

element<HTMLButtonElement>("retry").addEventListener("click", () => void load());
void load();

export {};
