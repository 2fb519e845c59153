import { status as Code } from "@grpc/grpc-js";
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "../../domain/errors.js";
import { mapError } from "./status.js";
import { decode, domainError, REASON_FORMAT, REQUEST_ID } from "./status-test-kit.js";

describe("mapError — unexpected errors (security.md 28)", () => {
  const leaky = new Error("SELECT * FROM users WHERE password='x'");
  const mapped = mapError(leaky, REQUEST_ID);
  const decoded = decode(mapped);

  it("answers INTERNAL with reason INTERNAL_ERROR", () => {
    expect(mapped.code).toBe(Code.INTERNAL);
    expect(decoded.status.code).toBe(Code.INTERNAL);
    expect(decoded.errorInfo[0]?.reason).toBe("INTERNAL_ERROR");
    expect(decoded.errorInfo[0]?.reason).toMatch(REASON_FORMAT);
    expect(decoded.errorInfo[0]?.domain).toBe("auth.v1");
    expect(mapped.logLevel).toBe("error");
  });

  it("names the request id in the message", () => {
    expect(decoded.status.message).toContain(REQUEST_ID);
    expect(mapped.serviceError.details).toContain(REQUEST_ID);
    expect(decoded.requestInfo[0]?.requestId).toBe(REQUEST_ID);
    expect(mapped.serviceError.metadata.get("x-request-id")).toEqual([REQUEST_ID]);
  });

  it("echoes no SQL, no input and no stack anywhere a client can see", () => {
    expect(leaky.stack).toBeDefined();
    for (const needle of ["SELECT", "password", "users", "    at ", "status.failures.test.ts", ".ts:"]) {
      expect(decoded.wireText, needle).not.toContain(needle);
    }
    expect(decoded.errorInfo[0]?.metadata).toEqual({});
    expect(decoded.badRequest).toHaveLength(0);
    expect(decoded.retryInfo).toHaveLength(0);
  });

  it.each([
    ["a string", "password=hunter2"],
    ["null", null],
    ["undefined", undefined],
    ["a plain object", { sql: "SELECT 1", stack: "at x" }],
    ["a TypeError", new TypeError("Cannot read properties of undefined (reading 'password')")],
  ])("maps %s to a generic INTERNAL", (_label, thrown) => {
    const m = mapError(thrown, REQUEST_ID);
    const d = decode(m);
    expect(m.code).toBe(Code.INTERNAL);
    expect(d.status.message).toBe(`Internal error (request id ${REQUEST_ID})`);
    for (const needle of ["hunter2", "password", "SELECT", "at x", "Cannot read"]) {
      expect(d.wireText, needle).not.toContain(needle);
    }
  });
});

describe("mapError — dependency failures → UNAVAILABLE (api.md: the caller may retry)", () => {
  it.each([
    ["DependencyUnavailableError", () => new DependencyUnavailableError("postgres", { cause: new Error("ECONNREFUSED 10.0.0.5:5432") })],
    ["cockatiel BrokenCircuitError", () => new BrokenCircuitError()],
    ["cockatiel IsolatedCircuitError", () => new IsolatedCircuitError()],
    ["cockatiel TaskCancelledError", () => new TaskCancelledError()],
  ])("%s", (_label, make) => {
    const mapped = mapError(make(), REQUEST_ID);
    const decoded = decode(mapped);
    expect(mapped.code).toBe(Code.UNAVAILABLE);
    expect(decoded.status.code).toBe(Code.UNAVAILABLE);
    expect(decoded.errorInfo).toHaveLength(1);
    expect(decoded.errorInfo[0]?.reason).toBe("SERVICE_UNAVAILABLE");
    expect(decoded.errorInfo[0]?.domain).toBe("auth.v1");
    expect(decoded.retryInfo).toHaveLength(1);
    expect(decoded.requestInfo[0]?.requestId).toBe(REQUEST_ID);
    expect(mapped.serviceError.metadata.get("x-request-id")).toEqual([REQUEST_ID]);
    // No dependency detail leaks (host, port, driver message).
    for (const needle of ["ECONNREFUSED", "10.0.0.5", "5432", "postgres", "    at "]) {
      expect(decoded.wireText, needle).not.toContain(needle);
    }
  });
});

describe("log levels", () => {
  it("warns on security signals and outages, logs client mistakes at info", () => {
    expect(mapError(domainError("REFRESH_TOKEN_REUSED"), REQUEST_ID).logLevel).toBe("warn");
    expect(mapError(domainError("ACCOUNT_LOCKED"), REQUEST_ID).logLevel).toBe("warn");
    expect(mapError(new BrokenCircuitError(), REQUEST_ID).logLevel).toBe("warn");
    expect(mapError(domainError("INVALID_CREDENTIALS"), REQUEST_ID).logLevel).toBe("info");
    expect(mapError(domainError("VALIDATION_FAILED"), REQUEST_ID).logLevel).toBe("info");
  });
});
