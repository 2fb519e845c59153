import { status as Code } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { DomainError, type ErrorReason } from "../../domain/errors.js";
import { ErrorReason as ProtoErrorReason } from "../../gen/pb/auth/v1/errors.js";
import { codeOfReason, ERROR_DOMAIN, mapError } from "./status.js";
import { decode, domainError, REASON_FORMAT, REQUEST_ID } from "./status-test-kit.js";

/**
 * Every ErrorReason with the gRPC code api.md gives it. A Record over the union: adding a reason
 * to errors.ts without listing it here is a type error, so "every reason" stays every reason.
 */
const EXPECTED_CODE: Record<ErrorReason, Code> = {
  VALIDATION_FAILED: Code.INVALID_ARGUMENT,
  PASSWORD_TOO_WEAK: Code.INVALID_ARGUMENT,
  USER_ALREADY_EXISTS: Code.ALREADY_EXISTS,
  INVALID_CREDENTIALS: Code.UNAUTHENTICATED,
  MFA_REQUIRED: Code.FAILED_PRECONDITION,
  REAUTHENTICATION_REQUIRED: Code.FAILED_PRECONDITION,
  API_KEY_INVALID: Code.UNAUTHENTICATED,
  API_KEY_NOT_FOUND: Code.NOT_FOUND,
  LAST_ADMIN: Code.FAILED_PRECONDITION,
  QUOTA_EXCEEDED: Code.RESOURCE_EXHAUSTED,
  SERVICE_NOT_FOUND: Code.NOT_FOUND,
  OAUTH_PROVIDER_UNKNOWN: Code.NOT_FOUND,
  OAUTH_STATE_INVALID: Code.INVALID_ARGUMENT,
  OAUTH_FAILED: Code.UNAUTHENTICATED,
  ACCOUNT_LINK_REQUIRED: Code.FAILED_PRECONDITION,
  PROVIDER_ALREADY_LINKED: Code.ALREADY_EXISTS,
  LAST_SIGN_IN_METHOD: Code.FAILED_PRECONDITION,
  SIGN_IN_METHOD_NOT_FOUND: Code.NOT_FOUND,
  PASSKEY_CHALLENGE_INVALID: Code.INVALID_ARGUMENT,
  PASSKEY_INVALID: Code.UNAUTHENTICATED,
  ACCOUNT_DISABLED: Code.PERMISSION_DENIED,
  ACCOUNT_LOCKED: Code.PERMISSION_DENIED,
  TOKEN_EXPIRED: Code.UNAUTHENTICATED,
  TOKEN_INVALID: Code.UNAUTHENTICATED,
  SESSION_REVOKED: Code.UNAUTHENTICATED,
  REFRESH_TOKEN_REUSED: Code.UNAUTHENTICATED,
  AUTHENTICATION_REQUIRED: Code.UNAUTHENTICATED,
  SESSION_NOT_FOUND: Code.NOT_FOUND,
  USER_NOT_FOUND: Code.NOT_FOUND,
  RATE_LIMITED: Code.RESOURCE_EXHAUSTED,
  SERVICE_UNAVAILABLE: Code.UNAVAILABLE,
  CONTACT_NOT_VERIFIED: Code.FAILED_PRECONDITION,
  PERMISSION_DENIED: Code.PERMISSION_DENIED,
  OTP_INVALID: Code.UNAUTHENTICATED,
  MFA_INVALID: Code.UNAUTHENTICATED,
  MFA_STATE_CONFLICT: Code.FAILED_PRECONDITION,
};
const ALL_REASONS = Object.keys(EXPECTED_CODE) as ErrorReason[];

describe("mapError — every ErrorReason (security.md 29, api.md Errors)", () => {
  it("covers every reason of the contract's ErrorReason enum (errors.proto)", () => {
    // Reasons only the transport produces, never a use case.
    const wireOnly = [
      "ERROR_REASON_UNSPECIFIED",
      "UNRECOGNIZED",
      "MESSAGE_TOO_LARGE",
      "DEADLINE_EXCEEDED",
      "INTERNAL_ERROR",
      "ROUTE_NOT_FOUND", // the REST gateway's own
      "CANCELLED", // the REST gateway's own
    ];
    const named = Object.keys(ProtoErrorReason).filter((k) => Number.isNaN(Number(k)) && k !== "ERROR_REASON_UNSPECIFIED" && k !== "UNRECOGNIZED");
    const proto = named.filter((k) => !wireOnly.includes(k));
    expect([...ALL_REASONS].sort()).toEqual(proto.sort());
    // And status.ts has a code for every one of them, the wire-only ones included.
    expect(Object.keys(codeOfReason).sort()).toEqual(named.sort());
  });

  describe.each(ALL_REASONS)("%s", (reason) => {
    const mapped = mapError(domainError(reason), REQUEST_ID);
    const decoded = decode(mapped);

    it(`maps to the gRPC code api.md gives it`, () => {
      expect(mapped.code).toBe(EXPECTED_CODE[reason]);
      expect(mapped.serviceError.code).toBe(EXPECTED_CODE[reason]);
      expect(decoded.status.code).toBe(EXPECTED_CODE[reason]);
      expect(mapped.reason).toBe(reason);
    });

    it("carries exactly one ErrorInfo with this reason and domain auth.v1", () => {
      expect(decoded.errorInfo).toHaveLength(1);
      expect(decoded.errorInfo[0]?.reason).toBe(reason);
      expect(decoded.errorInfo[0]?.domain).toBe("auth.v1");
      expect(ERROR_DOMAIN).toBe("auth.v1");
    });

    it("has an UPPER_SNAKE reason of at most 63 characters", () => {
      expect(decoded.errorInfo[0]?.reason).toMatch(REASON_FORMAT);
    });

    it("keeps the domain message, and the same message in details and the Status", () => {
      expect(decoded.status.message).toBe(`message for ${reason}`);
      expect(mapped.serviceError.details).toBe(decoded.status.message);
    });

    it("carries the request id in RequestInfo and in x-request-id", () => {
      expect(decoded.requestInfo).toHaveLength(1);
      expect(decoded.requestInfo[0]?.requestId).toBe(REQUEST_ID);
      expect(mapped.serviceError.metadata.get("x-request-id")).toEqual([REQUEST_ID]);
    });

    it("carries no BadRequest when there are no field violations", () => {
      expect(decoded.badRequest).toHaveLength(0);
    });

    it("uses only known google.rpc detail types", () => {
      for (const url of decoded.typeUrls) {
        expect(url).toMatch(/^type\.googleapis\.com\/google\.rpc\.(ErrorInfo|RequestInfo|BadRequest|RetryInfo)$/);
      }
    });
  });
});

describe("mapError — INVALID_ARGUMENT", () => {
  const violations = [
    { field: "password", description: "must be at least 8 characters" },
    { field: "email", description: "must be a valid email address" },
  ];

  it.each(["VALIDATION_FAILED", "PASSWORD_TOO_WEAK"] as const)("%s carries exactly one BadRequest with every violation", (reason) => {
    const decoded = decode(mapError(new DomainError(reason, "bad", { fieldViolations: violations }), REQUEST_ID));
    expect(decoded.status.code).toBe(Code.INVALID_ARGUMENT);
    expect(decoded.badRequest).toHaveLength(1);
    expect(decoded.badRequest[0]?.fieldViolations.map((v) => ({ field: v.field, description: v.description }))).toEqual(violations);
    expect(decoded.errorInfo).toHaveLength(1);
  });

  it("does not attach a BadRequest to codes other than INVALID_ARGUMENT", () => {
    const decoded = decode(
      mapError(
        new DomainError("USER_ALREADY_EXISTS", "An account with this email already exists", {
          fieldViolations: [{ field: "email", description: "is already taken" }],
        }),
        REQUEST_ID,
      ),
    );
    expect(decoded.status.code).toBe(Code.ALREADY_EXISTS);
    expect(decoded.badRequest).toHaveLength(0);
  });
});

describe("mapError — RESOURCE_EXHAUSTED and retry hints", () => {
  it("RATE_LIMITED carries RetryInfo with the delay in whole seconds, rounded up", () => {
    const decoded = decode(mapError(new DomainError("RATE_LIMITED", "slow down", { retryAfterSeconds: 2.2 }), REQUEST_ID));
    expect(decoded.status.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(decoded.retryInfo).toHaveLength(1);
    expect(decoded.retryInfo[0]?.retryDelay).toEqual({ seconds: 3, nanos: 0 });
  });

  it("ACCOUNT_LOCKED carries RetryInfo when the lock's end is known", () => {
    const decoded = decode(mapError(new DomainError("ACCOUNT_LOCKED", "locked", { retryAfterSeconds: 900 }), REQUEST_ID));
    expect(decoded.retryInfo[0]?.retryDelay?.seconds).toBe(900);
  });

  it("passes ErrorInfo metadata through", () => {
    const decoded = decode(mapError(new DomainError("RATE_LIMITED", "slow down", { retryAfterSeconds: 1, metadata: { limit: "ip" } }), REQUEST_ID));
    expect(decoded.errorInfo[0]?.metadata).toEqual({ limit: "ip" });
  });
});
