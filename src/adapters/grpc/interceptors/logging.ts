import { performance } from "node:perf_hooks";
import { status as Code } from "@grpc/grpc-js";
import { MappedFailure } from "./errors.js";
import type { Interceptor } from "./types.js";

/**
 * One line per call: method, status, duration, request id, user id when known. Never the
 * request or response (they hold passwords and tokens), never metadata (authorization).
 */
export const loggingInterceptor: Interceptor = async (ctx, next) => {
  const started = performance.now();
  const fields = () => ({
    method: ctx.method,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    userId: ctx.principal?.userId,
    ip: ctx.request.ipAddress,
  });
  try {
    const result = await next();
    ctx.log.info({ ...fields(), code: "OK" }, "rpc");
    return result;
  } catch (error) {
    if (error instanceof MappedFailure) {
      const { mapped } = error;
      ctx.log[mapped.logLevel]({ ...fields(), code: Code[mapped.code], reason: mapped.reason }, "rpc");
    } else {
      ctx.log.error({ ...fields(), code: "UNKNOWN" }, "rpc");
    }
    throw error;
  }
};
