import { status as Code } from "@grpc/grpc-js";
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError, DomainError, type ErrorReason } from "../../domain/errors.js";
import { BadRequest, ErrorInfo, RequestInfo, RetryInfo } from "../../gen/pb/google/rpc/error_details.js";
import { Status } from "../../gen/pb/google/rpc/status.js";
import { codeOfReason, ERROR_DOMAIN, type MappedError, mapError, statusFor, statusForBareCode } from "./status.js";

const REQUEST_ID = "req-0190a1b2-7c3d";

import { ErrorReason as ProtoErrorReason } from "../../gen/pb/auth/v1/errors.js";

const TYPE = "type.googleapis.com/google.rpc.";

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

/** AIP-193 / security.md 29: UPPER_SNAKE, at most 63 characters. */
const REASON_FORMAT = /^[A-Z][A-Z0-9_]{0,62}$/;

interface Decoded {
  status: Status;
  typeUrls: string[];
  errorInfo: ErrorInfo[];
  badRequest: BadRequest[];
  retryInfo: RetryInfo[];
  requestInfo: RequestInfo[];
  /** Everything a client can see, as text, for leak checks. */
  wireText: string;
}

/** Decodes the status the way a client would: from the grpc-status-details-bin trailer. */
function decode(mapped: MappedError): Decoded {
  const values = mapped.serviceError.metadata.get("grpc-status-details-bin");
  expect(values).toHaveLength(1);
  const raw = values[0];
  expect(Buffer.isBuffer(raw)).toBe(true);
  const status = Status.decode(raw as Buffer);
  const pick = (name: string) => status.details.filter((d) => d.typeUrl === `${TYPE}${name}`).map((d) => d.value);
  const errorInfo = pick("ErrorInfo").map((v) => ErrorInfo.decode(v));
  const badRequest = pick("BadRequest").map((v) => BadRequest.decode(v));
  const retryInfo = pick("RetryInfo").map((v) => RetryInfo.decode(v));
  const requestInfo = pick("RequestInfo").map((v) => RequestInfo.decode(v));
  const metadataText = JSON.stringify(
    Object.fromEntries(Object.entries(mapped.serviceError.metadata.getMap()).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("latin1") : v])),
  );
  const wireText = [
    status.message,
    JSON.stringify({ errorInfo, badRequest, retryInfo, requestInfo }),
    mapped.serviceError.details,
    mapped.serviceError.message,
    metadataText,
  ].join("\n");
  return {
    status,
    typeUrls: status.details.map((d) => d.typeUrl),
    errorInfo,
    badRequest,
    retryInfo,
    requestInfo,
    wireText,
  };
}

function domainError(reason: ErrorReason): DomainError {
  return new DomainError(reason, `message for ${reason}`);
}

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
    for (const needle of ["SELECT", "password", "users", "    at ", "status.test.ts", ".ts:"]) {
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

describe("log levels", () => {
  it("warns on security signals and outages, logs client mistakes at info", () => {
    expect(mapError(domainError("REFRESH_TOKEN_REUSED"), REQUEST_ID).logLevel).toBe("warn");
    expect(mapError(domainError("ACCOUNT_LOCKED"), REQUEST_ID).logLevel).toBe("warn");
    expect(mapError(new BrokenCircuitError(), REQUEST_ID).logLevel).toBe("warn");
    expect(mapError(domainError("INVALID_CREDENTIALS"), REQUEST_ID).logLevel).toBe("info");
    expect(mapError(domainError("VALIDATION_FAILED"), REQUEST_ID).logLevel).toBe("info");
  });
});
