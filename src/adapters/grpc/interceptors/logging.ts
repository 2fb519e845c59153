import { performance } from "node:perf_hooks";
import { status as Code } from "@grpc/grpc-js";
import type { Logger } from "../../logging/logger.js";
import { MappedFailure } from "./errors.js";
import type { Interceptor } from "./types.js";

/**
 * The checks other services make on every one of their own requests: at volume a line per call
 * would cost more than the check itself (pino serialisation, redaction, the write). Every other
 * rpc (logins, refreshes, changes) keeps its line per call: authentication decisions are logged.
 */
export const SAMPLED_METHODS: ReadonlySet<string> = new Set([
  "/auth.v1.AuthService/ValidateToken",
  "/auth.v1.ApiKeyService/ValidateApiKey",
  "/auth.v1.PlanService/CheckQuota",
]);

export interface AccessLogOptions {
  /** Share of the fast successful calls of SAMPLED_METHODS still logged one by one (0..1). */
  sampleRate: number;
  /** A call at least this slow is always logged. */
  slowMs: number;
  /** The calls not logged one by one are counted and written as one line per this many seconds; 0: not at all. */
  summarySeconds: number;
}

interface Tally {
  count: number;
  totalMs: number;
  maxMs: number;
}

/**
 * The access log. A failed call (any code but OK) and a slow call always get their own line:
 * method, status, reason, duration, request id, user id when known. A fast successful call of
 * SAMPLED_METHODS gets one with probability `sampleRate`; the others are counted by method and
 * written as one "rpc summary" line per `summarySeconds`. Never the request or response (they
 * hold passwords and tokens), never metadata (authorization).
 */
export function loggingInterceptor(logger: Logger, options: AccessLogOptions, random: () => number = Math.random): Interceptor {
  let pending = new Map<string, Tally>();
  let windowStarted = 0;
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    timer = null;
    if (pending.size === 0) return;
    const calls: Record<string, { ok: number; meanMs: number; maxMs: number }> = {};
    for (const [method, t] of pending)
      calls[method] = { ok: t.count, meanMs: Math.round((t.totalMs / t.count) * 100) / 100, maxMs: Math.round(t.maxMs * 100) / 100 };
    const seconds = Math.round((performance.now() - windowStarted) / 100) / 10;
    pending = new Map();
    logger.info({ seconds, calls }, "rpc summary");
  };

  const count = (method: string, ms: number) => {
    if (options.summarySeconds <= 0) return;
    let t = pending.get(method);
    if (!t) {
      t = { count: 0, totalMs: 0, maxMs: 0 };
      pending.set(method, t);
    }
    t.count++;
    t.totalMs += ms;
    if (ms > t.maxMs) t.maxMs = ms;
    if (timer === null) {
      windowStarted = performance.now();
      // Armed only while there is something to report; unref'd, so it never holds the process.
      timer = setTimeout(flush, options.summarySeconds * 1000);
      timer.unref();
    }
  };

  return async (ctx, next) => {
    const started = performance.now();
    let result: unknown;
    try {
      result = await next();
    } catch (error) {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const fields = { method: ctx.method, durationMs, userId: ctx.principal?.userId, ip: ctx.request.ipAddress };
      if (error instanceof MappedFailure) {
        const { mapped } = error;
        ctx.log[mapped.logLevel]({ ...fields, code: Code[mapped.code], reason: mapped.reason }, "rpc");
      } else {
        ctx.log.error({ ...fields, code: "UNKNOWN" }, "rpc");
      }
      throw error;
    }
    const ms = performance.now() - started;
    if (ms >= options.slowMs || !SAMPLED_METHODS.has(ctx.method) || (options.sampleRate > 0 && random() < options.sampleRate)) {
      ctx.log.info({ method: ctx.method, durationMs: Math.round(ms * 100) / 100, userId: ctx.principal?.userId, ip: ctx.request.ipAddress, code: "OK" }, "rpc");
    } else {
      count(ctx.method, ms);
    }
    return result;
  };
}
