import { ProblemCollector } from "@qod/core";

/**
 * How a pod leaves the load balancer without dropping a request, in one place: the Deployment
 * (preStop, grace period), the api's environment (`SHUTDOWN_DRAIN_MS`, `SHUTDOWN_TIMEOUT_MS`) and
 * the ALB target group (deregistration delay) all read it, and {@link checkShutdownTiming} holds
 * the relations between them.
 *
 * Termination, from the moment Kubernetes marks the pod terminating:
 *   0 s                 the load balancer controller starts deregistering the target; the ALB
 *                       sends it no new requests once deregistration starts
 *   0 → preStop         preStop sleep: the pod still serves whatever arrives meanwhile
 *   preStop             SIGTERM: the app fails readiness and keeps serving for `drainSeconds`
 *   + drain             the listener closes; in-flight requests get `inFlightSeconds` to finish
 *   + inFlight          the app has exited (or is past its own timeout and exits 1)
 *   grace period        SIGKILL: a margin after all of the above
 * The ALB stops waiting for in-flight requests after the deregistration delay, which must end
 * before the pod stops serving, so no request is cut by either side.
 */
export interface ShutdownTiming {
  /** Seconds the preStop hook sleeps before SIGTERM. */
  readonly preStopSeconds: number;
  /** Seconds the app keeps serving after SIGTERM (the api's `SHUTDOWN_DRAIN_MS`). */
  readonly drainSeconds: number;
  /** Seconds in-flight requests may take once the listener closed. */
  readonly inFlightSeconds: number;
  /** The ALB target group's deregistration delay. */
  readonly deregistrationDelaySeconds: number;
}

/** The defaults for an HTTP service behind the ALB. */
export const DEFAULT_SHUTDOWN: ShutdownTiming = {
  preStopSeconds: 10,
  drainSeconds: 5,
  inFlightSeconds: 20,
  deregistrationDelaySeconds: 30,
};

/** Seconds between the app's own shutdown limit and SIGKILL. */
export const KILL_MARGIN_SECONDS = 5;

/** How long a terminating pod keeps serving requests: preStop + drain + in-flight. */
export function servingSeconds(t: ShutdownTiming): number {
  return t.preStopSeconds + t.drainSeconds + t.inFlightSeconds;
}

/** The pod's `terminationGracePeriodSeconds`: longer than everything it does while stopping. */
export function terminationGracePeriodSeconds(t: ShutdownTiming): number {
  return servingSeconds(t) + KILL_MARGIN_SECONDS;
}

/** The api's environment for its own shutdown (milliseconds). */
export function shutdownEnvironment(t: ShutdownTiming): Record<string, string> {
  return {
    SHUTDOWN_DRAIN_MS: String(t.drainSeconds * 1000),
    SHUTDOWN_TIMEOUT_MS: String((t.drainSeconds + t.inFlightSeconds) * 1000),
  };
}

/** The relations: every part positive, and the ALB done draining before the pod stops serving. */
export function checkShutdownTiming(p: ProblemCollector, field: string, t: ShutdownTiming): void {
  const parts = ["preStopSeconds", "drainSeconds", "inFlightSeconds", "deregistrationDelaySeconds"] as const;
  let ok = true;
  for (const key of parts) {
    ok = p.check(Number.isInteger(t[key]) && t[key] >= 0 && t[key] <= 600, `${field}.${key}`, t[key], "whole seconds from 0 to 600") && ok;
  }
  if (!ok) return;
  p.check(t.preStopSeconds >= 5, `${field}.preStopSeconds`, t.preStopSeconds, "5 or more: the load balancer controller needs a few seconds to deregister the pod");
  p.check(
    t.deregistrationDelaySeconds < servingSeconds(t),
    `${field}.deregistrationDelaySeconds`,
    t.deregistrationDelaySeconds,
    `less than preStop + drain + in-flight (${servingSeconds(t)} s): the ALB must finish draining while the pod still serves`,
  );
}
