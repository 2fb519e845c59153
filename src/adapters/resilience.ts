import {
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from "cockatiel";
import type { UnitOfWork } from "../application/ports.js";
import { DependencyUnavailableError } from "../domain/errors.js";

/**
 * Timeout + circuit breaker for an outbound dependency. Only infrastructure failures count
 * toward opening the breaker: a USER_ALREADY_EXISTS is an answer, not an outage. Once open,
 * calls fail at once (BrokenCircuitError → UNAVAILABLE) instead of piling up on a dead pool.
 */
export function dependencyPolicy(options: {
  timeoutMs: number;
  consecutiveFailures: number;
  halfOpenAfterMs: number;
  onStateChange?: (state: "open" | "half-open" | "closed") => void;
}): IPolicy {
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof DependencyUnavailableError || error instanceof TaskCancelledError),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.consecutiveFailures) },
  );
  if (options.onStateChange) {
    const report = options.onStateChange;
    breaker.onBreak(() => report("open"));
    breaker.onHalfOpen(() => report("half-open"));
    breaker.onReset(() => report("closed"));
  }
  return wrap(breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
}

/** Wraps every async method of an object in the policy. */
export function guarded<T extends object>(target: T, policy: IPolicy): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => policy.execute(() => (value as (...a: unknown[]) => unknown).apply(obj, args));
    },
  });
}

/**
 * The database behind the policy: single calls are guarded one by one, a transaction as a
 * whole (its inner calls share its one guard, so a slow transaction trips one timeout).
 */
export function guardedUnitOfWork(uow: UnitOfWork, policy: IPolicy): UnitOfWork {
  return {
    users: guarded(uow.users, policy),
    sessions: guarded(uow.sessions, policy),
    refreshTokens: guarded(uow.refreshTokens, policy),
    audit: guarded(uow.audit, policy),
    otpCodes: guarded(uow.otpCodes, policy),
    recoveryCodes: guarded(uow.recoveryCodes, policy),
    transaction: (fn) => policy.execute(() => uow.transaction(fn)),
  };
}
