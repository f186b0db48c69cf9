/**
 * Errors in the documented shape `{ error, message, field? }` from every layer: Node's HTTP parser
 * (malformed request, headers too large, request too slow; answered on the raw socket before any
 * framework sees the request), fastify's own errors (a URL that does not decode, a body of the
 * wrong type or size; never its `FST_` codes), and the metrics listener. Every answer is JSON,
 * `nosniff` and `no-store`.
 */
import { STATUS_CODES, maxHeaderSize } from "node:http";
import type { Duplex } from "node:stream";

export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
}

/** Headers on every answer of both listeners: browsers must not guess another type. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = { "x-content-type-options": "nosniff" };

export const JSON_TYPE = "application/json; charset=utf-8";

/** A value from the request, quoted and cut short, for a message. */
export function quoted(value: string, max = 100): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** What Node's `clientError` event reports, as the error to answer. */
export function clientErrorAnswer(error: Error & { code?: string }): HttpError {
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return { status: 408, body: { error: "request_timeout", message: "the request did not arrive in time; send it again" } };
  }
  if (error.code === "HPE_HEADER_OVERFLOW") {
    return {
      status: 431,
      body: { error: "header_too_large", field: "headers", message: `headers: larger than allowed; allowed: request line and headers up to ${maxHeaderSize} bytes in total` },
    };
  }
  return { status: 400, body: { error: "bad_request", message: "malformed HTTP request: the request line or a header does not parse" } };
}

/** A complete HTTP/1.1 response that closes the connection, for writing on a raw socket. */
export function rawResponse(answer: HttpError, extraHeaders: Readonly<Record<string, string>> = {}): string {
  const body = JSON.stringify(answer.body);
  const headers = {
    "content-type": JSON_TYPE,
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    ...SECURITY_HEADERS,
    ...extraHeaders,
    connection: "close",
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Error"}\r\n${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** How long a socket may stay half-closed after its error answer (the client reads, then closes). */
const LINGER_MS = 1_000;

/**
 * The `clientError` listener of both servers: answers in the documented shape, then closes. The
 * socket is ended, not destroyed at once, so the answer is not lost to a reset while the client is
 * still sending; a client that never closes its side is cut off after a second.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawResponse(clientErrorAnswer(error)));
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * Fastify's own client errors, by their stable `code`, as documented errors naming the field
 * (`FST_*` codes never reach a client); undefined for anything else.
 */
export function fastifyClientError(error: unknown, request: { readonly url: string; readonly headers: Readonly<Record<string, string | string[] | undefined>> }, bodyLimitBytes: number): HttpError | undefined {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
  if (code === "FST_ERR_BAD_URL") {
    return { status: 400, body: { error: "bad_request", field: "url", message: `url: got ${quoted(request.url)}; allowed: a path whose %-escapes decode (% followed by two hex digits)` } };
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    const type = request.headers["content-type"];
    return {
      status: 415,
      body: { error: "unsupported_media_type", field: "content-type", message: `content-type: got ${quoted(String(type ?? ""))}; allowed: application/json` },
    };
  }
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return { status: 413, body: { error: "payload_too_large", field: "body", message: `body: larger than allowed; allowed: up to ${bodyLimitBytes} bytes` } };
  }
  if (code?.startsWith("FST_")) {
    // Any other framework error keeps its status; its message is the status text, never the code.
    const status = typeof error === "object" && error !== null && "statusCode" in error ? Number(error.statusCode) : 500;
    if (status >= 400 && status < 500) return { status, body: { error: CLIENT_ERROR_CODES[status] ?? "bad_request", message: fastifyMessage(error, status) } };
  }
  return undefined;
}

/** Short codes for client errors by status. */
export const CLIENT_ERROR_CODES: Readonly<Record<number, string>> = {
  400: "bad_request",
  404: "not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  431: "header_too_large",
};

/** A fastify error's message when it names no internals, else the status text. */
function fastifyMessage(error: unknown, status: number): string {
  const message = error instanceof Error ? error.message : "";
  return message !== "" && !message.includes("FST_") ? message : (STATUS_CODES[status] ?? "bad request").toLowerCase();
}
