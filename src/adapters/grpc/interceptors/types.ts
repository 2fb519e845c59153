import type { CallContext } from "../call-context.js";

/**
 * A server interceptor: does its part around `next()`. They compose in order, outermost
 * first, around every unary handler (see ../unary.ts).
 */
export type Interceptor = (ctx: CallContext, next: () => Promise<unknown>) => Promise<unknown>;
