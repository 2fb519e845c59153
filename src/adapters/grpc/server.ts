import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { UseCases } from "../../application/use-cases.js";
import { AdminServiceService } from "../../gen/pb/auth/v1/admin_service.js";
import { ApiKeyServiceService } from "../../gen/pb/auth/v1/api_key_service.js";
import { AuthServiceService } from "../../gen/pb/auth/v1/auth_service.js";
import { PlanServiceService } from "../../gen/pb/auth/v1/plan_service.js";
import { SessionServiceService } from "../../gen/pb/auth/v1/session_service.js";
import { UserServiceService } from "../../gen/pb/auth/v1/user_service.js";
import type { InflightCalls } from "../transport/inflight-calls.js";
import { type BearerRule, bearerRuleOf } from "./access-table.js";
import { adminServiceHandlers } from "./admin-service.js";
import { apiKeyServiceHandlers } from "./api-key-service.js";
import { authServiceHandlers } from "./auth-service.js";
import { createReflectionService } from "./descriptors.js";
import { planServiceHandlers } from "./plan-service.js";
import { sessionServiceHandlers } from "./session-service.js";
import type { Unary } from "./unary.js";
import { userServiceHandlers } from "./user-service.js";

export const SERVICE_NAMES = [
  "auth.v1.AuthService",
  "auth.v1.SessionService",
  "auth.v1.UserService",
  "auth.v1.ApiKeyService",
  "auth.v1.AdminService",
  "auth.v1.PlanService",
] as const;

/** Which calls need a bearer token: the access option each rpc declares (access-table.ts). */
export function authPolicyOf(method: string): BearerRule {
  return bearerRuleOf(method);
}

/** grpc.health.v1 for "" (overall) and each service; unknown names answer NOT_FOUND. */
export class HealthReporter {
  readonly implementation: HealthImplementation;

  constructor() {
    this.implementation = new HealthImplementation(Object.fromEntries(["", ...SERVICE_NAMES].map((name) => [name, "NOT_SERVING" as ServingStatus])));
  }

  setAll(status: ServingStatus): void {
    for (const name of ["", ...SERVICE_NAMES]) this.implementation.setStatus(name, status);
  }
}

/** One of our services: its generated definition and the handlers `unary` made for it. */
export interface GrpcService {
  definition: ServiceDefinition;
  handlers: UntypedServiceImplementation;
}

/**
 * The six services' handlers, made once: the gRPC server registers exactly these, and the
 * REST gateway's in-process dispatch (local-dispatch.ts) calls exactly these.
 */
export function grpcServices(useCases: UseCases, unary: Unary): readonly GrpcService[] {
  return [
    { definition: AuthServiceService, handlers: authServiceHandlers(useCases, unary) },
    { definition: SessionServiceService, handlers: sessionServiceHandlers(useCases, unary) },
    { definition: UserServiceService, handlers: userServiceHandlers(useCases, unary) },
    { definition: ApiKeyServiceService, handlers: apiKeyServiceHandlers(useCases, unary) },
    { definition: AdminServiceService, handlers: adminServiceHandlers(useCases, unary) },
    { definition: PlanServiceService, handlers: planServiceHandlers(useCases, unary) },
  ];
}

export interface GrpcServerOptions {
  services: readonly GrpcService[];
  health: HealthReporter;
  maxMessageBytes: number;
  /** The descriptor set (src/gen/descriptor.binpb), read once by the composition root. */
  descriptorSet: Uint8Array;
}

/** The largest answer the server sends (the in-process dispatch holds to it too). */
export const MAX_SEND_MESSAGE_BYTES = 4 * 1024 * 1024;

export function createGrpcServer(options: GrpcServerOptions): Server {
  const server = new Server({
    // Far below grpc-js's 4 MiB default: no auth request is large, and a big one costs memory.
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": MAX_SEND_MESSAGE_BYTES,
    "grpc.keepalive_permit_without_calls": 1,
  });
  for (const { definition, handlers } of options.services) server.addService(definition, handlers);
  options.health.implementation.addToServer(server);
  // Every file of the buf descriptor set, as buf wrote it: our contract, google.rpc (the error
  // details), grpc.health.v1 and the reflection services themselves.
  createReflectionService(options.descriptorSet).addToServer(server);
  return server;
}

export function bindServer(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
}

/**
 * Stops accepting calls (new ones get UNAVAILABLE), lets the unary calls in progress finish
 * until `deadline` (epoch ms), then cuts what is left: long-lived streams such as health Watch,
 * which grpc-js's tryShutdown would otherwise wait for forever.
 */
export async function drainServer(server: Server, inflight: InflightCalls, deadline: number): Promise<void> {
  const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)).unref());
  let drained = false;
  const closed = new Promise<void>((resolve) =>
    server.tryShutdown(() => {
      drained = true;
      resolve();
    }),
  );
  await Promise.race([inflight.idle(), delay(deadline - Date.now())]);
  // A finished handler's response may still be in the socket buffer: let it flush.
  await Promise.race([closed, delay(500)]);
  if (!drained) server.forceShutdown();
}
