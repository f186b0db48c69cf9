/**
 * Readiness within a bounded time. Each check races a deadline, and the checks run in parallel,
 * so `/readyz` answers within about {@link READINESS_TIMEOUT_MS} even when a dependency hangs
 * (its process paused, a network path dropping packets), well inside a Kubernetes probe's timeout.
 */

/**
 * How long each readiness check may take; `/readyz` answers within about this. Below the Redis
 * command timeout (500 ms, src/server.ts), so a hung Redis is reported as `timeout`. The api's
 * readiness probe in packages/workloads waits longer (`API_READINESS_TIMEOUT_MS` there is this
 * number, and its test checks the probe against it).
 */
export const READINESS_TIMEOUT_MS = 300;

/** `ok`; `unavailable`: the check failed; `timeout`: no answer within the deadline. */
export type CheckState = "ok" | "unavailable" | "timeout";

export interface CheckResult {
  readonly state: CheckState;
  /** Why it is not ok. */
  readonly error?: unknown;
}

/**
 * `check` raced against `timeoutMs`. At most one call of `check` is in flight: callers while it
 * runs share it (with a deadline of their own), so a hung dependency holds one connection, not one
 * per probe.
 */
export function boundedCheck(check: () => Promise<unknown>, timeoutMs = READINESS_TIMEOUT_MS): () => Promise<CheckResult> {
  let inFlight: Promise<unknown> | undefined;
  return async () => {
    const call = (inFlight ??= check().finally(() => {
      inFlight = undefined;
    }));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const outcome = await Promise.race([call.then(() => "ok" as const), deadline]);
      return outcome === "ok" ? { state: "ok" } : { state: "timeout", error: new Error(`no answer within ${timeoutMs} ms`) };
    } catch (error) {
      return { state: "unavailable", error };
    } finally {
      clearTimeout(timer);
    }
  };
}
