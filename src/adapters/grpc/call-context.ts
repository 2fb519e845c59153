import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import type { Metadata, ServerUnaryCall } from "@grpc/grpc-js";
import type { RequestContext } from "../../application/ports.js";
import type { Principal } from "../../application/validate-token.js";
import type { Logger } from "../logging/logger.js";

/** What one call carries through the interceptors to its handler. */
export interface CallContext {
  /** Full method path, e.g. `/auth.v1.AuthService/Login`. */
  method: string;
  request: RequestContext;
  metadata: Metadata;
  /** Set by the auth interceptor when a valid bearer token came with the call. */
  principal: Principal | null;
  log: Logger;
}

/** A caller-supplied request id is kept only if it is short and plain (no log injection). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdFrom(metadata: Metadata): string {
  const given = metadata.get("x-request-id")[0];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * grpc-js reports the peer as `address:port` (`127.0.0.1:5000`, `::1:5000`,
 * `::ffff:10.0.0.1:5000`); returns the address, IPv4-mapped IPv6 as plain IPv4.
 */
export function peerAddress(peer: string): string {
  let address = peer.replace(/^ipv[46]:/, "");
  if (isIP(address) === 0) {
    const m = /^\[?(.*?)\]?:\d+$/.exec(address);
    address = m?.[1] ?? "";
  }
  if (address.startsWith("::ffff:") && isIP(address.slice(7)) === 4) address = address.slice(7);
  return isIP(address) === 0 ? "" : address;
}

/**
 * The client's address. X-Forwarded-For is believed only when the direct peer is a trusted
 * proxy, and then only up to the first hop that is not trusted (security.md 14).
 */
export function clientAddress(peerIp: string, metadata: Metadata, trustedProxies: ReadonlySet<string>): string {
  if (!trustedProxies.has(peerIp)) return peerIp;
  const header = metadata.get("x-forwarded-for").map(String).join(",");
  const hops = header.split(",").map((h) => h.trim()).filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return peerIp;
}

export function buildCallContext(
  call: ServerUnaryCall<unknown, unknown>,
  method: string,
  base: { logger: Logger; trustedProxies: ReadonlySet<string> },
): CallContext {
  const requestId = requestIdFrom(call.metadata);
  const ipAddress = clientAddress(peerAddress(call.getPeer()), call.metadata, base.trustedProxies);
  const userAgent = String(call.metadata.get("user-agent")[0] ?? "").slice(0, 512);
  return {
    method,
    request: { requestId, ipAddress, userAgent },
    metadata: call.metadata,
    principal: null,
    log: base.logger.child({ requestId }),
  };
}
