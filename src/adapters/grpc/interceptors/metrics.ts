import { performance } from "node:perf_hooks";
import { status as Code } from "@grpc/grpc-js";
import { Counter, Histogram, type Registry } from "prom-client";
import { LATENCY_BUCKETS } from "../../transport/latency-buckets.js";
import { MappedFailure } from "./errors.js";
import type { Interceptor } from "./types.js";

type MethodLabels = { grpc_service: string; grpc_method: string };
interface MethodMetrics {
  observe(seconds: number): void;
  handled(code: string): { inc(): void };
}

/**
 * Prometheus metrics per call, named as go-grpc-prometheus names them so existing dashboards
 * fit: `grpc_server_handled_total{grpc_service,grpc_method,grpc_code}` and
 * `grpc_server_handling_seconds{grpc_service,grpc_method}`. REST calls through the built-in
 * gateway are counted here too: it runs the same interceptors in process. Labels come from the method path
 * only (a bounded set), never from the request.
 */
export function metricsInterceptor(registry: Registry): Interceptor {
  const handled = new Counter({
    name: "grpc_server_handled_total",
    help: "RPCs completed on the server, by method and status code.",
    labelNames: ["grpc_service", "grpc_method", "grpc_code"] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "Time from receiving an RPC to its answer, by method.",
    labelNames: ["grpc_service", "grpc_method"] as const,
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  // Per method path, once: its labels split from the path and prom-client's children for
  // them, so a call neither re-validates nor re-hashes its labels (the set is bounded by the
  // registered methods and the status codes).
  const byMethod = new Map<string, MethodMetrics>();
  const metricsOf = (method: string): MethodMetrics => {
    let m = byMethod.get(method);
    if (!m) {
      const slash = method.lastIndexOf("/");
      const labels: MethodLabels = { grpc_service: method.slice(1, slash), grpc_method: method.slice(slash + 1) };
      const byCode = new Map<string, { inc(): void }>();
      const timer = seconds.labels(labels);
      m = {
        observe: (value) => timer.observe(value),
        handled: (code) => {
          let child = byCode.get(code);
          if (!child) {
            child = handled.labels({ ...labels, grpc_code: code });
            byCode.set(code, child);
          }
          return child;
        },
      };
      byMethod.set(method, m);
    }
    return m;
  };
  return async (ctx, next) => {
    const m = metricsOf(ctx.method);
    const started = performance.now();
    let code = "OK";
    try {
      return await next();
    } catch (error) {
      code = error instanceof MappedFailure ? Code[error.mapped.code] : "UNKNOWN";
      throw error;
    } finally {
      m.handled(code).inc();
      m.observe((performance.now() - started) / 1000);
    }
  };
}
