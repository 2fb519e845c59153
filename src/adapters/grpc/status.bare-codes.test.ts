import { status as Code } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { statusFor, statusForBareCode } from "./status.js";
import { decode, REASON_FORMAT, REQUEST_ID } from "./status-test-kit.js";

describe("statusFor", () => {
  it.each([
    ["MESSAGE_TOO_LARGE", Code.RESOURCE_EXHAUSTED],
    ["DEADLINE_EXCEEDED", Code.DEADLINE_EXCEEDED],
    ["INTERNAL_ERROR", Code.INTERNAL],
    ["ROUTE_NOT_FOUND", Code.NOT_FOUND], // the REST gateway's own
    ["CANCELLED", Code.CANCELLED], // the REST gateway's own
  ] as const)("%s → code %i with ErrorInfo", (reason, code) => {
    const mapped = statusFor(reason, "msg", REQUEST_ID);
    const decoded = decode(mapped);
    expect(mapped.code).toBe(code);
    expect(decoded.status.code).toBe(code);
    expect(decoded.errorInfo[0]?.reason).toBe(reason);
    expect(decoded.errorInfo[0]?.reason).toMatch(REASON_FORMAT);
    expect(decoded.errorInfo[0]?.domain).toBe("auth.v1");
    expect(mapped.serviceError.metadata.get("x-request-id")).toEqual([REQUEST_ID]);
  });

  it("carries the gateway's field violations as google.rpc.BadRequest", () => {
    const decoded = decode(statusFor("VALIDATION_FAILED", "bad", REQUEST_ID, { fieldViolations: [{ field: "page_size", description: "not a number" }] }));
    expect(decoded.status.code).toBe(Code.INVALID_ARGUMENT);
    expect(decoded.badRequest[0]?.fieldViolations).toMatchObject([{ field: "page_size", description: "not a number" }]);
  });
});

describe("statusForBareCode — statuses grpc-js made itself", () => {
  it.each([
    [Code.UNAVAILABLE, "SERVICE_UNAVAILABLE"],
    [Code.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"],
    [Code.RESOURCE_EXHAUSTED, "MESSAGE_TOO_LARGE"],
    [Code.CANCELLED, "CANCELLED"],
    // Unexpected ones: the code is kept (a missing handler stays UNIMPLEMENTED), nothing else is said.
    [Code.INTERNAL, "INTERNAL_ERROR"],
    [Code.UNKNOWN, "INTERNAL_ERROR"],
    [Code.UNIMPLEMENTED, "INTERNAL_ERROR"],
  ] as const)("code %i → %s", (code, reason) => {
    const mapped = statusForBareCode(code, REQUEST_ID);
    const decoded = decode(mapped);
    expect([mapped.code, decoded.status.code]).toEqual([code, code]);
    expect(decoded.errorInfo[0]).toMatchObject({ reason, domain: "auth.v1" });
    expect(decoded.requestInfo[0]?.requestId).toBe(REQUEST_ID);
    if (reason === "INTERNAL_ERROR") expect([decoded.status.message, mapped.logLevel]).toEqual([`Internal error (request id ${REQUEST_ID})`, "error"]);
  });
});
