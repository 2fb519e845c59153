import { status as Code, Metadata, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../../domain/errors.js";
import { readDescriptorSet } from "../../grpc/descriptors.js";
import { mapError } from "../../grpc/status.js";
import { gatewayError, httpStatusOf, renderGrpcError } from "./errors.js";
import { loadApi } from "./http-rules.js";

const { registry } = loadApi(readDescriptorSet());

describe("gRPC status → HTTP (Envoy's table, api.md)", () => {
  it("maps every code the API uses", () => {
    const table = {
      OK: 200,
      INVALID_ARGUMENT: 400,
      UNAUTHENTICATED: 401,
      PERMISSION_DENIED: 403,
      NOT_FOUND: 404,
      ALREADY_EXISTS: 409,
      FAILED_PRECONDITION: 400,
      RESOURCE_EXHAUSTED: 429,
      UNAVAILABLE: 503,
      INTERNAL: 500,
      DEADLINE_EXCEEDED: 504,
      UNIMPLEMENTED: 501,
      CANCELLED: 499,
      ABORTED: 409,
      OUT_OF_RANGE: 400,
      UNKNOWN: 500,
      DATA_LOSS: 500,
    } as const;
    for (const [name, http] of Object.entries(table)) expect(httpStatusOf(Code[name as keyof typeof table]), name).toBe(http);
  });

  it("renders status.ts's google.rpc.Status as JSON with @type details, and RetryInfo as Retry-After", () => {
    const mapped = mapError(new DomainError("RATE_LIMITED", "Slow down", { retryAfterSeconds: 7 }), "req-1");
    const r = renderGrpcError(mapped.serviceError, registry, "req-1");
    expect(r.status).toBe(429);
    expect(r.headers).toEqual({ "retry-after": "7" });
    expect(r.body).toEqual({
      code: 8,
      message: "Slow down",
      details: [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMITED", domain: "auth.v1", metadata: {} },
        { "@type": "type.googleapis.com/google.rpc.RequestInfo", requestId: "req-1", servingData: "" },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" },
      ],
    });
  });

  it("gives a status grpc-js made itself (no details) an ErrorInfo too, and hides internal messages", () => {
    const bare = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: new Metadata() }) as ServiceError;
    const unavailable = renderGrpcError(bare(14, "No connection established"), registry, "r2");
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.details).toContainEqual(expect.objectContaining({ reason: "SERVICE_UNAVAILABLE", domain: "auth.v1" }));
    const internal = renderGrpcError(bare(13, "Response message parsing error: at offset 7"), registry, "r3");
    expect(internal.status).toBe(500);
    expect(internal.body.message).toBe("Internal error (request id r3)");
  });

  it("keeps the code of an unexpected bare status (a missing handler stays UNIMPLEMENTED), saying nothing more", () => {
    const bare = Object.assign(new Error("Method not found"), {
      code: Code.UNIMPLEMENTED,
      details: "Method not found",
      metadata: new Metadata(),
    }) as ServiceError;
    const r = renderGrpcError(bare, registry, "r4");
    expect(r.status).toBe(501);
    expect(r.body.code).toBe(Code.UNIMPLEMENTED);
    expect(r.body.message).toBe("Internal error (request id r4)");
    expect(r.body.details).toContainEqual(expect.objectContaining({ reason: "INTERNAL_ERROR", domain: "auth.v1" }));
  });
});

describe("the gateway's own refusals", () => {
  it("are status.ts's statuses, rendered exactly as a gRPC error is", () => {
    const r = gatewayError(registry, "VALIDATION_FAILED", "Unknown query parameter", "req-2", [{ field: "pageSize", description: "not a field" }]);
    expect(r).toEqual({
      status: 400,
      headers: {},
      body: {
        code: 3,
        message: "Unknown query parameter",
        details: [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "VALIDATION_FAILED", domain: "auth.v1", metadata: {} },
          { "@type": "type.googleapis.com/google.rpc.RequestInfo", requestId: "req-2", servingData: "" },
          { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "pageSize", description: "not a field", reason: "" }] },
        ],
      },
    });
  });

  it.each([
    ["ROUTE_NOT_FOUND", 404, Code.NOT_FOUND],
    ["PERMISSION_DENIED", 403, Code.PERMISSION_DENIED],
    ["MESSAGE_TOO_LARGE", 413, Code.RESOURCE_EXHAUSTED], // the body limit: Envoy's 413, not RESOURCE_EXHAUSTED's 429
    ["CANCELLED", 499, Code.CANCELLED],
    ["INTERNAL_ERROR", 500, Code.INTERNAL],
  ] as const)("%s → HTTP %i, gRPC code %i", (reason, http, code) => {
    const r = gatewayError(registry, reason, "msg", "req-3");
    expect(r.status).toBe(http);
    expect(r.body.code).toBe(code);
    expect(r.body.details).toEqual([
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "auth.v1", metadata: {} },
      { "@type": "type.googleapis.com/google.rpc.RequestInfo", requestId: "req-3", servingData: "" },
    ]);
  });
});
