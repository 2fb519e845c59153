import { performance } from "node:perf_hooks";
import { status as Code } from "@grpc/grpc-js";
import { Counter, Histogram, type Registry } from "prom-client";
import { LATENCY_BUCKETS } from "../../transport/latency-buckets.js";
import { MappedFailure } from "./errors.js";
import type { Interceptor } from "./types.js";

type MethodLabels = { grpc_service: string; grpc_method: string };

/**
 * Prometheus metrics per call, named as go-grpc-prometheus names them so existing dashboards
 * fit: `grpc_server_handled_total{grpc_service,grpc_method,grpc_code}` and
 * `grpc_server_handling_seconds{grpc_service,grpc_method}`. REST calls through the built-in
 * gateway are counted here too: they arrive as gRPC calls. Labels come from the method path
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
