import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  isBrokenCircuitError,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
} from "cockatiel";

export interface RedisPolicyOptions {
  /** Per call; Redis answers in well under a millisecond, so anything slower is an outage. Default 250. */
  timeoutMs?: number;
  /** Consecutive failures (timeouts included) that open the circuit. Default 5. */
  consecutiveFailures?: number;
  /** How long the circuit stays open before one trial call is let through. Default 2000. */
  halfOpenAfterMs?: number;
  /** Breaker state changes, for logs, metrics and readiness. */
  onStateChange?: (state: CircuitState) => void;
}

/**
 * The policy the composition root wraps around Redis-backed ports: a timeout inside a
 * circuit breaker. The timeout is aggressive (the caller gets its answer at the deadline
 * even though the ioredis command itself cannot be cancelled), and timeouts count as
 * failures, so a hung Redis opens the circuit just like a dead one. While open, calls fail
 * at once with BrokenCircuitError and the port's fallback (fail closed, insurance limiter)
 * takes over without spending any latency on Redis.
 */
export function redisPolicy(opts: RedisPolicyOptions = {}) {
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleAll, {
    halfOpenAfter: opts.halfOpenAfterMs ?? 2000,
    breaker: new ConsecutiveBreaker(opts.consecutiveFailures ?? 5),
  });
  if (opts.onStateChange) {
    const onStateChange = opts.onStateChange;
    breaker.onStateChange((state) => onStateChange(state));
  }
  // wrap(outer, inner): the breaker sees the timeout's TaskCancelledError as a failure.
  return wrap(breaker, timeout(opts.timeoutMs ?? 250, TimeoutStrategy.Aggressive));
}

export type RedisPolicy = ReturnType<typeof redisPolicy>;

/** True when a call was refused because the circuit is open (or isolated), not because Redis answered with an error. */
export function isBrokenCircuit(error: unknown): error is BrokenCircuitError {
  return isBrokenCircuitError(error);
}

export { CircuitState };
