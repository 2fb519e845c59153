/**
 * How an in-process RPC (the REST gateway's dispatch, adapters/grpc/local-dispatch.ts) is run.
 * No grpc-js server is on that path, so instrumentation-grpc cannot wrap it: while tracing is
 * on, `startTracing()` (tracing.ts) installs a wrapper here that gives each such call the same
 * SERVER span a gRPC caller's call gets. By default the call runs as it is. Imports nothing, so
 * with tracing off no OpenTelemetry module is loaded for it.
 */

/** A failed call's status, as a unary handler hands it to grpc-js's callback (what a span reads of it). */
export interface LocalCallError {
  code?: number;
  name?: string;
  message?: string;
  details?: string;
}

/** What a unary handler answers with: grpc-js's callback, reduced to what a span reads. */
export type LocalCallback = (error: LocalCallError | null, value?: unknown) => void;

/** Runs `invoke` (the registered handler of `path`, e.g. `/auth.v1.AuthService/Login`) with `done` as its callback. */
export type LocalCallWrapper = (path: string, invoke: (callback: LocalCallback) => void, done: LocalCallback) => void;

const direct: LocalCallWrapper = (_path, invoke, done) => invoke(done);
let wrapper: LocalCallWrapper = direct;

/** Runs one in-process call through the installed wrapper. */
export function runLocalCall(path: string, invoke: (callback: LocalCallback) => void, done: LocalCallback): void {
  wrapper(path, invoke, done);
}

/** Installs the wrapper every later in-process call goes through (`null`: none again). */
export function setLocalCallWrapper(next: LocalCallWrapper | null): void {
  wrapper = next ?? direct;
}
