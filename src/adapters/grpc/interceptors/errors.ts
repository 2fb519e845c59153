import { type MappedError, mapError } from "../status.js";
import type { Interceptor } from "./types.js";

/** A failure already turned into a gRPC status by status.ts. */
export class MappedFailure extends Error {
  constructor(readonly mapped: MappedError) {
    super(mapped.message);
    this.name = "MappedFailure";
  }
}

/** Maps whatever a handler throws, once, through the single mapping in status.ts. */
export const errorsInterceptor: Interceptor = async (ctx, next) => {
  try {
    return await next();
  } catch (error) {
    if (error instanceof MappedFailure) throw error;
    const mapped = mapError(error, ctx.request.requestId);
    if (mapped.reason === "INTERNAL_ERROR" || mapped.reason === "SERVICE_UNAVAILABLE") {
      // The cause stays in our logs; the caller only ever sees the generic message.
      ctx.log.error({ err: describe(error), method: ctx.method }, "call failed");
    }
    throw new MappedFailure(mapped);
  }
};

/** Name and first line only: driver errors can carry query text and parameters. */
function describe(error: unknown): { type: string; message: string; cause?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: "non-error thrown" };
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${firstLine(error.cause.message)}` : undefined;
  return { type: error.name, message: firstLine(error.message), ...(cause ? { cause } : {}) };
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? "").slice(0, 200);
}
