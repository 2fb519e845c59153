/**
 * The policy every real delivery provider (SMTP relay, SMS gateway) sits behind:
 *
 *   retry ── circuit breaker ── timeout (aggressive) ── provider
 *
 * - The timeout is per attempt and aggressive: the caller gets its answer at the deadline even
 *   if the provider never answers; the attempt's AbortSignal is handed to the adapter so the
 *   socket / HTTP request is torn down too instead of lingering.
 * - The breaker counts every attempt that failed for a transient reason (timeouts included),
 *   so a dead provider opens it after a few calls and later calls fail at once instead of
 *   each spending the whole timeout. Permanent rejections (a 550 for one mailbox, a 400 from
 *   the gateway) are answers, not outages: they neither open the circuit nor get retried.
 * - Retries are few and short: a user is waiting for the code, and the breaker, not the
 *   retry loop, is what protects the provider. An open circuit is never retried.
 *
 * Every provider failure that escapes (timeout, open circuit, refusal) becomes
 * DependencyUnavailableError(name), which the gRPC layer answers as UNAVAILABLE: the caller
 * may ask again. Anything else (a bug such as a code notification without a code, or a
 * notice without a valid time) is passed through untouched so that it surfaces as INTERNAL
 * instead of hiding behind "retry later". The policy is the same for every kind of
 * notification: it never looks inside one, so a security notice is retried like a code.
 *
 * Worst case latency for a hung provider: (retries + 1) × timeoutMs plus the backoff delays.
 */
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { Notification, Notifier } from "../../application/ports/delivery.js";
import { DependencyUnavailableError } from "../../domain/errors.js";

/**
 * A provider failure in words that are safe to log. Adapters build it from the provider's
 * answer (status, SMTP reply code) and deliberately drop the raw error: SMTP replies echo
 * the recipient and a gateway may echo the message body, which holds the code.
 */
export class DeliveryError extends Error {
  /** True when sending the same message again would get the same refusal. */
  readonly permanent: boolean;
  readonly provider: string;
  constructor(provider: string, message: string, options: { permanent: boolean }) {
    super(`${provider}: ${message}`);
    this.name = "DeliveryError";
    this.provider = provider;
    this.permanent = options.permanent;
  }
}

/**
 * Worth another attempt and a mark against the provider's health: our own timeout, or a
 * provider failure the adapter classified as transient. Anything else is either a permanent
 * refusal or a bug (wrong channel, missing code), and repeating it cannot help.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof TaskCancelledError) return true;
  if (error instanceof DeliveryError) return !error.permanent;
  return false;
}

function isProviderFailure(error: unknown): boolean {
  return error instanceof TaskCancelledError || error instanceof BrokenCircuitError || error instanceof DeliveryError;
}

/** An adapter that can cut a send short when the policy gives up on it. */
export interface CancellableNotifier {
  send(notification: Notification, signal?: AbortSignal): Promise<void>;
}

export type BreakerState = "open" | "half-open" | "closed";

export interface ResilienceOptions {
  /** Names the dependency in DependencyUnavailableError and logs ("smtp", "sms-webhook"). */
  name: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Extra attempts after the first (default 2). */
  retries?: number;
  /** Consecutive transient failures that open the circuit (default 5). */
  consecutiveFailures?: number;
  /** How long the circuit stays open before one trial send is let through (default 5000). */
  halfOpenAfterMs?: number;
  /** First retry delay; later ones grow exponentially with jitter (default 50, capped at 1 s). */
  backoffInitialMs?: number;
  onStateChange?: (state: BreakerState) => void;
}

export function resilient(notifier: CancellableNotifier, options: ResilienceOptions): Notifier {
  const breaker = circuitBreaker(handleWhen(isTransientFailure), {
    halfOpenAfter: options.halfOpenAfterMs ?? 5_000,
    breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5),
  });
  if (options.onStateChange) {
    const report = options.onStateChange;
    breaker.onBreak(() => report("open"));
    breaker.onHalfOpen(() => report("half-open"));
    breaker.onReset(() => report("closed"));
  }
  const retryPolicy = retry(
    // An open circuit is the breaker saying "not now": retrying would only add latency.
    handleWhen((error) => !(error instanceof BrokenCircuitError) && isTransientFailure(error)),
    {
      maxAttempts: options.retries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: options.backoffInitialMs ?? 50, maxDelay: 1_000 }),
    },
  );
  const policy = wrap(retryPolicy, breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));

  return {
    async send(notification) {
      try {
        await policy.execute(({ signal }) => notifier.send(notification, signal));
      } catch (error) {
        if (isProviderFailure(error)) throw new DependencyUnavailableError(options.name, { cause: error });
        throw error;
      }
    },
  };
}
