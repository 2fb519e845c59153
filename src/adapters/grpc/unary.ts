import { type handleUnaryCall, Metadata } from "@grpc/grpc-js";
import type { Logger } from "../logging/logger.js";
import type { InflightCalls } from "../transport/inflight-calls.js";
import { buildCallContext, type CallContext } from "./call-context.js";
import { MappedFailure } from "./interceptors/errors.js";
import type { Interceptor } from "./interceptors/types.js";
import { mapError } from "./status.js";

export type Handler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
export type Unary = <Req, Res>(method: { path: string }, handler: Handler<Req, Res>) => handleUnaryCall<Req, Res>;

/**
 * Adapts a promise-returning handler to grpc-js, running it inside the interceptor chain.
 * The request id goes back in the initial metadata of every call, success or failure.
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
