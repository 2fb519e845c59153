import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type IPolicy,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { UnitOfWork } from "../../application/ports/unit-of-work.js";
import { DependencyUnavailableError } from "../../domain/errors.js";
import { buildRepositories } from "./repositories.js";

/**
 * Timeout + circuit breaker for an outbound dependency. Only infrastructure failures count
 * toward opening the breaker: a USER_ALREADY_EXISTS is an answer, not an outage. Once open,
 * calls fail at once (BrokenCircuitError → UNAVAILABLE) instead of piling up on a dead pool.
 */
export interface DependencyPolicy extends IPolicy {
  /**
   * True while the breaker is open and not yet due for its half-open trial: a caller about to
   * spend real work (an argon2 hash) before its first query can refuse at once instead.
   */
  refusing(): boolean;
}

export function dependencyPolicy(options: {
  timeoutMs: number;
  consecutiveFailures: number;
  halfOpenAfterMs: number;
  onStateChange?: (state: "open" | "half-open" | "closed") => void;
}): DependencyPolicy {
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof DependencyUnavailableError || error instanceof TaskCancelledError),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.consecutiveFailures) },
  );
  let openedAt: number | null = null;
  breaker.onBreak(() => {
    openedAt = Date.now();
    options.onStateChange?.("open");
  });
  breaker.onHalfOpen(() => options.onStateChange?.("half-open"));
  breaker.onReset(() => {
    openedAt = null;
    options.onStateChange?.("closed");
  });
  // abortOnReturn off: the guarded calls read no signal (a transaction reads it only after its
  // work, where only the timeout can have aborted it), and aborting each call's controller on
  // return builds a DOMException with a stack per database or Redis call (~3 % of a
  // RefreshToken's CPU in a profile).
  const policy = wrap(breaker, timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }));
  return Object.assign(policy, {
    // After halfOpenAfter the next call must go through: it is the trial that can close it.
    refusing: () => breaker.state === CircuitState.Open && openedAt !== null && Date.now() - openedAt < options.halfOpenAfterMs,
  });
}

/**
 * Wraps every async method of an object in the policy. Each method is wrapped once and the
 * wrapper reused (hot paths call these per request); a method replaced on the target since
 * gets a new wrapper, so the proxy never calls a stale function.
 */
export function guarded<T extends object>(target: T, policy: IPolicy): T {
  type Method = (...args: unknown[]) => unknown;
  const wrappers = new Map<PropertyKey, { method: Method; wrapper: Method }>();
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = value as Method;
      const cached = wrappers.get(prop);
      if (cached?.method === method) return cached.wrapper;
      const wrapper: Method = (...args) => policy.execute(() => method.apply(obj, args));
      wrappers.set(prop, { method, wrapper });
      return wrapper;
    },
  });
}

/**
 * The database behind the policy: single calls are guarded one by one, a transaction as a
 * whole (its inner calls share its one guard, so a slow transaction trips one timeout).
 */
export function guardedUnitOfWork(uow: UnitOfWork, policy: DependencyPolicy): UnitOfWork {
  return {
    ...buildRepositories((key) => guarded(uow[key], policy)),
    transaction: (fn) =>
      policy.execute(({ signal }) =>
        uow.transaction(async (tx) => {
          const result = await fn(tx);
          // The aggressive timeout has already answered the caller UNAVAILABLE ("retry"): roll
          // back rather than commit behind its back. (A timeout during COMMIT itself stays
          // unknowable; clients treat UNAVAILABLE on a write as "outcome unknown".)
          if (signal.aborted) throw new TaskCancelledError("transaction outlived its timeout; rolled back");
          return result;
        }),
      ),
    ensureAvailable: () => {
      if (policy.refusing()) throw new BrokenCircuitError("database circuit open");
    },
  };
}
