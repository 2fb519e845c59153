/**
 * Forwards a transcoded call to our own RPC handlers, in process (grpc/local-dispatch.ts, wired
 * in by the composition root, so this file imports nothing of it): the
 * handlers the gRPC server registers, behind the same interceptors (logging, errors, auth,
 * metrics) that any gRPC caller or Envoy goes through. The call carries the metadata a gRPC
 * caller would send: the passed-through headers, the X-Forwarded-For the gateway vouches for,
 * the forwarded user agent and the gateway's secret, which the gRPC side checks as it would for
 * any call (grpc/call-context.ts), so its rules about the client address hold unchanged.
 */
import { Metadata, type ServiceError, type status } from "@grpc/grpc-js";
import { bareStatus, codeOfReason } from "../../grpc/status.js";
import { FORWARDED_USER_AGENT_METADATA, GATEWAY_SECRET_METADATA } from "../../transport/gateway-metadata.js";

/** What the gateway passes on from the HTTP request. */
export interface ForwardedRequest {
  /**
   * HTTP headers passed through unchanged as metadata (authorization, x-api-key, x-request-id).
   * Printable ASCII only (the gateway refuses the rest): grpc-js throws on anything else.
   */
  passThrough: Record<string, string>;
  /** The HTTP peer's address, appended to any X-Forwarded-For it sent; "" when unknown. */
  peerIp: string;
  /** Printable ASCII, like every other text metadata value. */
  forwardedFor: string | undefined;
  userAgent: string | undefined;
}

/**
 * The X-Forwarded-For the gateway vouches for: the client's own header, then the HTTP peer it
 * saw. The gRPC side believes the last hop that is not a trusted proxy (grpc/call-context.ts,
 * clientAddress), so the peer must be last and must be a fact: when it is unknown (the socket
 * closed early), nothing is forwarded at all, and the gRPC side falls back to the call's own
 * peer, the gateway on loopback (GATEWAY_PEER). Never the client's header alone: it would speak
 * for the client.
 */
export function forwardedForHops(forwardedFor: string | undefined, peerIp: string): string | undefined {
  if (peerIp === "") return undefined;
  return forwardedFor === undefined || forwardedFor.trim() === "" ? peerIp : `${forwardedFor}, ${peerIp}`;
}

/**
 * The peer a forwarded call reports (`call.getPeer()`, grpc-js's format for a socket without a
 * port): the gateway is a caller on this machine, as it was when it dialled the server.
 */
export const GATEWAY_PEER = "127.0.0.1";

/** The metadata of a forwarded call, as a gRPC caller would send it. */
export function forwardedMetadata(from: ForwardedRequest, secret: string): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(from.passThrough)) metadata.set(key, value);
  const hops = forwardedForHops(from.forwardedFor, from.peerIp);
  if (hops !== undefined) metadata.set("x-forwarded-for", hops);
  if (from.userAgent) metadata.set(FORWARDED_USER_AGENT_METADATA, from.userAgent.slice(0, 512));
  metadata.set(GATEWAY_SECRET_METADATA, secret);
  return metadata;
}

/** A call's answer: the response's protobuf bytes, or the status as the handler (or grpc-js's rules) made it. */
export type ForwardResult = { ok: true; bytes: Buffer } | { ok: false; error: ServiceError };

export interface PendingCall {
  result: Promise<ForwardResult>;
  /** The caller went away: the result is CANCELLED at once (the handler, as under grpc-js, runs to its end unread). */
  cancel(): void;
}

/** Where forwarded calls go: LocalDispatcher.dispatch (never rejects). */
export type Dispatch = (grpcPath: string, request: Uint8Array, metadata: Metadata, peer: string) => Promise<ForwardResult>;

export class GrpcForwarder {
  private closed = false;

  constructor(
    private readonly dispatch: Dispatch,
    private readonly options: { secret: string; deadlineMs: number },
  ) {}

  call(grpcPath: string, request: Uint8Array, from: ForwardedRequest): PendingCall {
    // After close (the gateway has drained): what grpc-js answers on a closed channel.
    if (this.closed) return { result: Promise.resolve(failed(codeOfReason.SERVICE_UNAVAILABLE, "Channel has been shut down")), cancel: () => {} };
    const metadata = forwardedMetadata(from, this.options.secret);
    let settle: (r: ForwardResult) => void = () => {};
    const result = new Promise<ForwardResult>((resolve) => {
      // The call's deadline: a handler that has not answered by then is answered for, and
      // its late result dropped (it runs to its end, as it did behind grpc-js).
      const timer = setTimeout(() => resolve(failed(codeOfReason.DEADLINE_EXCEEDED, "Deadline exceeded")), this.options.deadlineMs);
      timer.unref();
      settle = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.dispatch(grpcPath, request, metadata, GATEWAY_PEER).then(settle, () => settle(failed(codeOfReason.INTERNAL_ERROR, "Internal error")));
    });
    return { result, cancel: () => settle(failed(codeOfReason.CANCELLED, "Cancelled on client")) };
  }

  /** Later calls answer UNAVAILABLE; calls in progress are not cut (the gRPC server's drain waits for their handlers). */
  close(): void {
    this.closed = true;
  }
}

/** A status of the forwarder's own, as grpc-js's client made it on a deadline, a cancel, a closed channel (status.ts, bareStatus). */
function failed(code: status, details: string): { ok: false; error: ServiceError } {
  return { ok: false, error: bareStatus(code, details) };
}
