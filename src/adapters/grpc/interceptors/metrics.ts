import { performance } from "node:perf_hooks";
import { status as Code } from "@grpc/grpc-js";
import { Counter, Histogram, type Registry } from "prom-client";
import { MappedFailure } from "./errors.js";
import type { Interceptor } from "./types.js";

/**
 * Prometheus metrics per call, named as go-grpc-prometheus names them so existing dashboards
 * fit: `grpc_server_handled_total{grpc_service,grpc_method,grpc_code}` and
 * `grpc_server_handling_seconds{grpc_service,grpc_method}`. REST calls through the built-in
 * gateway are counted here too: they arrive as gRPC calls. Labels come from the method path
 * only (a bounded set), never from the request.
 */
/**
 * Latency buckets of every duration histogram (gRPC calls here, REST requests in the gateway),
 * so the two can be compared bucket for bucket. argon2id costs ~20 ms a hash on our machines:
 * the interesting range is 5 ms to 2.5 s.
 */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type MethodLabels = { grpc_service: string; grpc_method: string };

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
  // Per method path, split once: the set is bounded by the registered methods.
  const labelsByMethod = new Map<string, MethodLabels>();
  const labelsOf = (method: string): MethodLabels => {
    let labels = labelsByMethod.get(method);
    if (!labels) {
      const slash = method.lastIndexOf("/");
      labels = { grpc_service: method.slice(1, slash), grpc_method: method.slice(slash + 1) };
      labelsByMethod.set(method, labels);
    }
    return labels;
  };
  return async (ctx, next) => {
    const labels = labelsOf(ctx.method);
    const started = performance.now();
    let code = "OK";
    try {
      return await next();
    } catch (error) {
      code = error instanceof MappedFailure ? Code[error.mapped.code] : "UNKNOWN";
      throw error;
    } finally {
      handled.inc({ ...labels, grpc_code: code });
      seconds.observe(labels, (performance.now() - started) / 1000);
    }
  };
}
