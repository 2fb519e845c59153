import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { Metadata, ServerUnaryCall } from "@grpc/grpc-js";
import type { RequestContext } from "../../application/ports/time.js";
import type { Principal } from "../../application/sessions/validate-token.js";
import type { Logger } from "../logging/logger.js";
import { FORWARDED_USER_AGENT_METADATA, GATEWAY_SECRET_METADATA } from "../transport/gateway-metadata.js";
import { peerAddress } from "../transport/peer-address.js";
import { requestIdOr } from "../transport/request-id.js";

/** What one call carries through the interceptors to its handler. */
export interface CallContext {
  /** Full method path, e.g. `/auth.v1.AuthService/Login`. */
  method: string;
  request: RequestContext;
  /** The decoded request message (read by the access rule for update_mask paths). */
  message: unknown;
  metadata: Metadata;
  /** Set by the auth interceptor when a valid bearer token came with the call. */
  principal: Principal | null;
  /** Set by the auth interceptor when a service key (`x-api-key: sk_...`) admitted the call. */
  service: ServiceCaller | null;
  log: Logger;
}

/** A service that called with its own key, as the access interceptor verified it. */
export interface ServiceCaller {
  serviceId: string;
  keyId: string;
  scopes: readonly string[];
}

export function requestIdFrom(metadata: Metadata): string {
  return requestIdOr(metadata.get("x-request-id")[0]);
}

/**
 * Whether the built-in gateway vouches for this call: it carries the gateway's per-process
 * secret (why: adapters/transport/gateway-metadata.ts). The secret is removed from the
 * metadata either way.
 */
export function vouchedByGateway(metadata: Metadata, secret: string | undefined): boolean {
  const given = metadata.get(GATEWAY_SECRET_METADATA)[0];
  metadata.remove(GATEWAY_SECRET_METADATA);
  if (secret === undefined || typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b); // constant-time compare
}

/**
 * The client's address. X-Forwarded-For is believed only when the direct peer is a trusted
 * proxy (or the call came through our own gateway), and then only up to the first hop that is
 * not trusted (security.md 14).
 */
export function clientAddress(peerIp: string, metadata: Metadata, trustedProxies: ReadonlySet<string>, viaGateway = false): string {
  if (!viaGateway && !trustedProxies.has(peerIp)) return peerIp;
  const header = metadata.get("x-forwarded-for").map(String).join(",");
  const hops = header
    .split(",")
    .map((h) => h.trim())
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return peerIp;
}

export function buildCallContext(
  call: Pick<ServerUnaryCall<unknown, unknown>, "request" | "metadata" | "getPeer">,
  method: string,
  base: { logger: Logger; trustedProxies: ReadonlySet<string>; gatewaySecret?: string | undefined },
): CallContext {
  const requestId = requestIdFrom(call.metadata);
  const viaGateway = vouchedByGateway(call.metadata, base.gatewaySecret);
  const ipAddress = clientAddress(peerAddress(call.getPeer()), call.metadata, base.trustedProxies, viaGateway);
  const agentKey = viaGateway ? FORWARDED_USER_AGENT_METADATA : "user-agent";
  const userAgent = String(call.metadata.get(agentKey)[0] ?? "").slice(0, 512);
  let log: Logger | undefined;
  return {
    method,
    request: { requestId, ipAddress, userAgent },
    message: call.request,
    metadata: call.metadata,
    principal: null,
    service: null,
    // Made on first use: most calls of the high-volume checks write no line, and a pino child
    // (its bindings serialised and redacted) per call is a measurable share of one.
    get log() {
      log ??= base.logger.child({ requestId });
      return log;
    },
  };
}
