/**
 * Composition, step 3: the gRPC server with its interceptors, the health monitor, the REST
 * gateway (calling the very same handlers in process) and the operators' listener. Nothing binds a port here: the
 * root's lifecycle does, in order. Only the composition root (src/container.ts) calls these.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "@grpc/grpc-js";
import { collectDefaultMetrics, Registry } from "prom-client";
import { readAccessTable } from "../adapters/grpc/access-table.js";
import { readDescriptorSet } from "../adapters/grpc/descriptors.js";
import { authInterceptor } from "../adapters/grpc/interceptors/auth.js";
import { errorsInterceptor } from "../adapters/grpc/interceptors/errors.js";
import { loggingInterceptor } from "../adapters/grpc/interceptors/logging.js";
import { metricsInterceptor } from "../adapters/grpc/interceptors/metrics.js";
import { LocalDispatcher } from "../adapters/grpc/local-dispatch.js";
import { createGrpcServer, type GrpcService, grpcServices, HealthReporter, MAX_SEND_MESSAGE_BYTES } from "../adapters/grpc/server.js";
import { makeUnary } from "../adapters/grpc/unary.js";
import { loadApi } from "../adapters/http/gateway/http-rules.js";
import { OpsListener } from "../adapters/http/ops/ops-listener.js";
import { HttpGateway } from "../adapters/http/server.js";
import type { Logger } from "../adapters/logging/logger.js";
import { registerRevocationBusHealth } from "../adapters/metrics/revocation-bus-health.js";
import { pingRedis } from "../adapters/redis/connection.js";
import { InflightCalls } from "../adapters/transport/inflight-calls.js";
import { HealthMonitor, probeDependencies, type Readiness } from "../adapters/transport/readiness.js";
import type { UseCases } from "../application/use-cases.js";
import type { Config } from "../config.js";
import type { Dependencies } from "./dependencies.js";

/** The listeners and what watches them. */
export interface Transports {
  server: Server;
  health: HealthReporter;
  inflight: InflightCalls;
  monitor: HealthMonitor;
  gateway: HttpGateway;
  opsListener: OpsListener;
  probe: () => Promise<Readiness>;
}

/** The gRPC server, the health monitor, the REST gateway over the same handlers, the operators' listener. */
export function buildTransports(config: Config, logger: Logger, useCases: UseCases, deps: Dependencies): Transports {
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  deps.quotaOutcomes.registerOn(metrics);
  deps.breakers.registerOn(metrics);
  deps.securityEvents.registerOn(metrics);
  registerRevocationBusHealth(metrics, deps.bus);
  // Lets the gRPC side believe the client IP and user agent our own REST gateway forwards,
  // and nobody else's (adapters/grpc/call-context.ts). New at every start, never logged.
  const gatewaySecret = randomBytes(32).toString("base64url");
  // Read once: reflection, the access rules and the REST gateway all work from these bytes.
  const descriptorSet = readDescriptorSet();
  const grpc = buildGrpcServer(config, logger, useCases, { metrics, gatewaySecret, descriptorSet });
  const { redis } = deps;
  const probe = probeDependencies({ database: () => deps.db.ping(), redis: redis ? () => pingRedis(redis, 1000) : null });
  const monitor = new HealthMonitor(probe, grpc.health, 2000);
  // REST/JSON from the descriptor set's google.api.http rules, run in process through the
  // handlers (and interceptors) `server` registered: no loopback gRPC hop.
  const dispatcher = new LocalDispatcher(grpc.services, { maxReceiveBytes: config.server.maxMessageBytes, maxSendBytes: MAX_SEND_MESSAGE_BYTES });
  const gateway = new HttpGateway({
    api: loadApi(descriptorSet),
    logger,
    allowedOrigins: config.server.allowedOrigins,
    maxBodyBytes: config.server.maxMessageBytes,
    gatewaySecret,
    dispatch: (path, request, metadata, peer) => dispatcher.dispatch(path, request, metadata, peer),
    ready: () => monitor.last(),
    metrics,
  });
  // /metrics only, on its own address (loopback by default): never beside the public API.
  const opsListener = new OpsListener(metrics);
  const { server, health, inflight } = grpc;
  return { server, health, inflight, monitor, gateway, opsListener, probe };
}

function buildGrpcServer(
  config: Config,
  logger: Logger,
  useCases: UseCases,
  shared: { metrics: Registry; gatewaySecret: string; descriptorSet: Uint8Array },
): Pick<Transports, "server" | "health" | "inflight"> & { services: readonly GrpcService[] } {
  const health = new HealthReporter();
  const inflight = new InflightCalls();
  const unary = makeUnary({
    inflight,
    logger,
    trustedProxies: new Set(config.server.trustedProxies),
    gatewaySecret: shared.gatewaySecret,
    interceptors: [
      metricsInterceptor(shared.metrics),
      loggingInterceptor(logger, { sampleRate: config.log.rpcSampleRate, slowMs: config.log.rpcSlowMs, summarySeconds: config.log.rpcSummarySeconds }),
      errorsInterceptor,
      authInterceptor(useCases.validateToken, useCases.requireFreshAuthentication, readAccessTable(shared.descriptorSet), useCases.verifyApiKey),
    ],
  });
  const { maxMessageBytes } = config.server;
  // One set of handlers: the gRPC server registers them, the REST gateway dispatches to them.
  const services = grpcServices(useCases, unary);
  const server = createGrpcServer({ services, health, maxMessageBytes, descriptorSet: shared.descriptorSet });
  return { server, health, inflight, services };
}
