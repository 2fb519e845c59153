/**
 * Forwards a transcoded call to our own gRPC server over loopback with a generic grpc-js
 * client (identity serializers on the protobuf bytes), so a REST call runs through exactly
 * the interceptors (logging, errors, auth, metrics) that any gRPC caller or Envoy goes through.
 */
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
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
 * closed early), nothing is forwarded at all, and the gRPC side falls back to its own peer,
 * the loopback gateway. Never the client's header alone: it would speak for the client.
 */
export function forwardedForHops(forwardedFor: string | undefined, peerIp: string): string | undefined {
  if (peerIp === "") return undefined;
  return forwardedFor === undefined || forwardedFor.trim() === "" ? peerIp : `${forwardedFor}, ${peerIp}`;
}

export type ForwardResult = { ok: true; bytes: Buffer } | { ok: false; error: ServiceError };

export interface PendingCall {
  result: Promise<ForwardResult>;
  cancel(): void;
}

const identity = (b: Buffer): Buffer => b;

export class GrpcForwarder {
  private readonly client: Client;

  constructor(
    target: string,
    private readonly options: { secret: string; deadlineMs: number },
  ) {
    this.client = new Client(target, credentials.createInsecure(), {
      "grpc.primary_user_agent": "auth-service-gateway",
      // Our own server: no reason to limit what it answers.
      "grpc.max_receive_message_length": -1,
    });
  }

  call(grpcPath: string, request: Uint8Array, from: ForwardedRequest): PendingCall {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(from.passThrough)) metadata.set(key, value);
    const hops = forwardedForHops(from.forwardedFor, from.peerIp);
    if (hops !== undefined) metadata.set("x-forwarded-for", hops);
    if (from.userAgent) metadata.set(FORWARDED_USER_AGENT_METADATA, from.userAgent.slice(0, 512));
    metadata.set(GATEWAY_SECRET_METADATA, this.options.secret);

    let cancel: () => void = () => {};
    const result = new Promise<ForwardResult>((resolve) => {
      const call = this.client.makeUnaryRequest<Buffer, Buffer>(
        grpcPath,
        identity,
        identity,
        Buffer.from(request.buffer, request.byteOffset, request.byteLength),
        metadata,
        { deadline: Date.now() + this.options.deadlineMs },
        (error, response) => resolve(error ? { ok: false, error } : { ok: true, bytes: response ?? Buffer.alloc(0) }),
      );
      cancel = () => call.cancel();
    });
    return { result, cancel: () => cancel() };
  }

  close(): void {
    this.client.close();
  }
}
