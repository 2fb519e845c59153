import { Metadata, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import type { Logger } from "../logging/logger.js";
import type { InflightCalls } from "../transport/inflight-calls.js";
import { buildCallContext, type CallContext } from "./call-context.js";
import { MappedFailure } from "./interceptors/errors.js";
import type { Interceptor } from "./interceptors/types.js";
import { mapError } from "./status.js";

export type Handler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/**
 * The part of a grpc-js call the chain reads: what grpc-js's server hands a handler has it, and
 * so does the REST gateway's in-process call (local-dispatch.ts), which has no grpc-js call.
 */
export type UnaryCallLike<Req> = Pick<ServerUnaryCall<Req, unknown>, "request" | "metadata" | "getPeer" | "sendMetadata">;

/** A grpc-js `handleUnaryCall` that needs only a UnaryCallLike (so it is one, and more). */
export type UnaryCall<Req, Res> = (call: UnaryCallLike<Req>, callback: sendUnaryData<Res>) => void;

export type Unary = <Req, Res>(method: { path: string }, handler: Handler<Req, Res>) => UnaryCall<Req, Res>;

/**
 * Adapts a promise-returning handler to grpc-js, running it inside the interceptor chain.
 * The request id goes back in the initial metadata of every call, success or failure.
 * The gRPC server and the REST gateway's in-process dispatch run the very same functions.
 */
export function makeUnary(base: {
  logger: Logger;
  trustedProxies: ReadonlySet<string>;
  /** The built-in gateway's per-process secret (see call-context.ts). */
  gatewaySecret?: string;
  interceptors: Interceptor[];
  inflight: InflightCalls;
}): Unary {
  return (method, handler) => (call, callback) => {
    base.inflight.enter();
    const ctx = buildCallContext(call, method.path, base);
    const initial = new Metadata();
    initial.set("x-request-id", ctx.request.requestId);
    call.sendMetadata(initial);
    const run = (i: number): Promise<unknown> => {
      const interceptor = base.interceptors[i];
      return interceptor ? interceptor(ctx, () => run(i + 1)) : handler(call.request, ctx);
    };
    run(0)
      .then(
        (response) => callback(null, response as never),
        (error: unknown) => {
          const mapped = error instanceof MappedFailure ? error.mapped : mapError(error, ctx.request.requestId);
          callback(mapped.serviceError);
        },
      )
      .finally(() => base.inflight.leave());
  };
}
