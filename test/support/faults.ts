/** Shared pieces of the fault-injection tests (test/faults/database, test/faults/redis). */
import { status } from "@grpc/grpc-js";
import { expect } from "vitest";
import { PASSWORD } from "./fixtures.js";
import { type Clients, call, type DecodedError } from "./grpc.js";
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || defaultPort) };
}

/** Runs cleanups in order; every one runs even when an earlier one throws. */
export async function cleanup(...steps: Array<(() => Promise<unknown>) | undefined>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step?.();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

export async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - started };
}

export function login(clients: Clients, identifier: string, password = PASSWORD) {
  return call(clients.auth, clients.auth.login, { identifier, password, otpCode: "", deviceName: "faults" });
}

export function validate(clients: Clients, accessToken: string) {
  return call(clients.auth, clients.auth.validateToken, { accessToken });
}

export function expectUnavailable(e: DecodedError): void {
  expect(e.code).toBe(status.UNAVAILABLE);
  expect(e.reason).toBe("SERVICE_UNAVAILABLE");
  expect(e.domain).toBe("auth.v1");
  expect(e.retryDelaySeconds).toBeGreaterThanOrEqual(1);
}
