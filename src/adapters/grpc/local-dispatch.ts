/**
 * Calls our own RPC handlers in process, for the built-in REST gateway: the very functions the
 * gRPC server registers (server.ts, grpcServices), so a REST call runs through exactly the
 * interceptors (metrics, logging, errors, auth) and handlers any gRPC caller goes through,
 * without a grpc-js client, a second HTTP/2 session and socket writes both ways.
 *
 * What grpc-js's server does around a unary handler is done here the same way, with the same
 * bare statuses (no details; the gateway renders them by code, statusForBareCode): an unknown
 * method is UNIMPLEMENTED, a request over the server's limit RESOURCE_EXHAUSTED, bytes that do
 * not parse INTERNAL (the parser's message is never passed on), an answer over the send limit
 * RESOURCE_EXHAUSTED. The codes come from status.ts's table where a reason names them. While tracing is on, each call gets its SERVER span through
 * telemetry/local-calls.ts (instrumentation-grpc only sees calls that come through grpc-js).
 */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { type LocalCallback, type LocalCallError, runLocalCall } from "../../telemetry/local-calls.js";
import type { GrpcService } from "./server.js";
import { bareStatus, codeOfReason } from "./status.js";
import type { UnaryCall } from "./unary.js";

export type DispatchResult = { ok: true; bytes: Buffer } | { ok: false; error: ServiceError };

interface LocalMethod {
  handler: UnaryCall<unknown, unknown>;
  deserialize: (bytes: Buffer) => unknown;
  serialize: (value: unknown) => Buffer;
}

export interface LocalDispatcherOptions {
  /** The server's `grpc.max_receive_message_length` (SERVER__MAX_MESSAGE_BYTES). */
  maxReceiveBytes: number;
  /** The server's `grpc.max_send_message_length`. */
  maxSendBytes: number;
}

const noop = () => {};

export class LocalDispatcher {
  private readonly methods = new Map<string, LocalMethod>();

  constructor(
    services: readonly GrpcService[],
    private readonly options: LocalDispatcherOptions,
  ) {
    for (const { definition, handlers } of services) {
      for (const [name, method] of Object.entries(definition)) {
        // Streams have no REST route (http-rules.ts leaves them out); none of ours is one.
        if (method.requestStream || method.responseStream) continue;
        const handler = handlers[name] ?? (typeof method.originalName === "string" ? handlers[method.originalName] : undefined);
        if (typeof handler !== "function") continue; // UNIMPLEMENTED, as grpc-js's default handler answers
        this.methods.set(method.path, {
          // Every handler in these maps is made by makeUnary (unary.ts), which reads only a
          // UnaryCallLike; the generated service interfaces type them as grpc-js's wider
          // handleUnaryCall, hence this one narrowing.
          handler: handler as unknown as UnaryCall<unknown, unknown>,
          deserialize: method.requestDeserialize,
          serialize: method.responseSerialize,
        });
      }
    }
  }

  /**
   * Runs `path` (e.g. `/auth.v1.AuthService/Login`) on the protobuf `request` with `metadata`,
   * as if from `peer` (grpc-js's `call.getPeer()` format: `address:port`, or the address alone). Never rejects.
   */
  dispatch(path: string, request: Uint8Array, metadata: Metadata, peer: string): Promise<DispatchResult> {
    const method = this.methods.get(path);
    if (!method) return Promise.resolve(failed(status.UNIMPLEMENTED, `The server does not implement the method ${path}`));
    const { maxReceiveBytes, maxSendBytes } = this.options;
    if (maxReceiveBytes !== -1 && request.byteLength > maxReceiveBytes) {
      return Promise.resolve(failed(codeOfReason.MESSAGE_TOO_LARGE, `Received message larger than max (${request.byteLength} vs ${maxReceiveBytes})`));
    }
    let message: unknown;
    try {
      message = method.deserialize(Buffer.from(request.buffer, request.byteOffset, request.byteLength));
    } catch {
      return Promise.resolve(failed(codeOfReason.INTERNAL_ERROR, "Error deserializing request"));
    }
    const call = { request: message, metadata, getPeer: () => peer, sendMetadata: noop };
    return new Promise<DispatchResult>((resolve) => {
      const done: LocalCallback = (error, value) => {
        if (error) {
          resolve({ ok: false, error: asServiceError(error) });
          return;
        }
        let bytes: Buffer;
        try {
          bytes = method.serialize(value);
        } catch {
          resolve(failed(codeOfReason.INTERNAL_ERROR, "Error serializing response"));
          return;
        }
        if (maxSendBytes !== -1 && bytes.length > maxSendBytes) {
          resolve(failed(codeOfReason.MESSAGE_TOO_LARGE, `Sent message larger than max (${bytes.length} vs. ${maxSendBytes})`));
          return;
        }
        resolve({ ok: true, bytes });
      };
      try {
        runLocalCall(path, (callback) => method.handler(call, callback), done);
      } catch {
        // makeUnary does not throw; should a handler ever, the caller still gets an answer.
        resolve(failed(codeOfReason.INTERNAL_ERROR, "Internal error"));
      }
    });
  }
}

/** A status made outside the handlers, as grpc-js makes its own (status.ts, bareStatus). */
function failed(code: status, details: string, metadata?: Metadata): { ok: false; error: ServiceError } {
  return { ok: false, error: bareStatus(code, details, metadata) };
}

/** What makeUnary hands its callback is status.ts's ServiceError (code, details, the details-bin metadata). */
function asServiceError(error: LocalCallError): ServiceError {
  const { metadata } = error as { metadata?: unknown };
  const { code } = error;
  if (error instanceof Error && typeof code === "number" && metadata instanceof Metadata) return error as ServiceError;
  // Anything else is answered as grpc-js would send it: its code (UNKNOWN without one) and details.
  return failed(code ?? status.UNKNOWN, error.details ?? error.message ?? "", metadata instanceof Metadata ? metadata : new Metadata()).error;
}
