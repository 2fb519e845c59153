/**
 * The ONE place that turns an error into a gRPC status. Domain errors keep their reason and
 * field violations; dependency failures become UNAVAILABLE (retryable); anything unexpected
 * becomes INTERNAL with only the request id: never a stack, a SQL fragment or an input echo.
 * The REST gateway's own refusals are built here too, so both faces share one table.
 */
import { status as Code, Metadata, type ServiceError } from "@grpc/grpc-js";
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { DependencyUnavailableError, DomainError, type ErrorReason, type FieldViolation, type QuotaViolation } from "../../domain/errors.js";
import { BadRequest, ErrorInfo, QuotaFailure, RequestInfo, RetryInfo } from "../../gen/pb/google/rpc/error_details.js";
import { Status } from "../../gen/pb/google/rpc/status.js";

export const ERROR_DOMAIN = "auth.v1";

/**
 * Every reason a client can see: the domain's, the transport's (oversized message, deadline,
 * fault) and the REST gateway's own (no route, client went away). All are in errors.proto.
 */
export type WireReason = ErrorReason | "MESSAGE_TOO_LARGE" | "DEADLINE_EXCEEDED" | "INTERNAL_ERROR" | "ROUTE_NOT_FOUND" | "CANCELLED";
export type LogLevel = "info" | "warn" | "error";

const CODES: Record<WireReason, Code> = {
  VALIDATION_FAILED: Code.INVALID_ARGUMENT,
  PASSWORD_TOO_WEAK: Code.INVALID_ARGUMENT,
  USER_ALREADY_EXISTS: Code.ALREADY_EXISTS,
  INVALID_CREDENTIALS: Code.UNAUTHENTICATED,
  TOKEN_EXPIRED: Code.UNAUTHENTICATED,
  TOKEN_INVALID: Code.UNAUTHENTICATED,
  SESSION_REVOKED: Code.UNAUTHENTICATED,
  REFRESH_TOKEN_REUSED: Code.UNAUTHENTICATED,
  AUTHENTICATION_REQUIRED: Code.UNAUTHENTICATED,
  OTP_INVALID: Code.UNAUTHENTICATED,
  MFA_INVALID: Code.UNAUTHENTICATED,
  MFA_STATE_CONFLICT: Code.FAILED_PRECONDITION,
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
  MFA_REQUIRED: Code.FAILED_PRECONDITION,
  CONTACT_NOT_VERIFIED: Code.FAILED_PRECONDITION,
  ACCOUNT_DISABLED: Code.PERMISSION_DENIED,
  ACCOUNT_LOCKED: Code.PERMISSION_DENIED,
  PERMISSION_DENIED: Code.PERMISSION_DENIED,
  SESSION_NOT_FOUND: Code.NOT_FOUND,
  USER_NOT_FOUND: Code.NOT_FOUND,
  RATE_LIMITED: Code.RESOURCE_EXHAUSTED,
  MESSAGE_TOO_LARGE: Code.RESOURCE_EXHAUSTED,
  SERVICE_UNAVAILABLE: Code.UNAVAILABLE,
  DEADLINE_EXCEEDED: Code.DEADLINE_EXCEEDED,
  INTERNAL_ERROR: Code.INTERNAL,
  ROUTE_NOT_FOUND: Code.NOT_FOUND,
  CANCELLED: Code.CANCELLED,
};

/** The gRPC code of each reason, for those that describe the API (the OpenAPI document). */
export const codeOfReason: Readonly<Record<WireReason, Code>> = CODES;

/** Reuse detection is a security signal worth a warning; plain client mistakes are info. */
const WARN: ReadonlySet<WireReason> = new Set(["REFRESH_TOKEN_REUSED", "ACCOUNT_LOCKED", "SERVICE_UNAVAILABLE"]);

export interface MappedError {
  code: Code;
  reason: WireReason;
  message: string;
  logLevel: LogLevel;
  serviceError: ServiceError;
}

export function isDependencyFailure(error: unknown): boolean {
  return (
    error instanceof DependencyUnavailableError ||
    error instanceof BrokenCircuitError ||
    error instanceof IsolatedCircuitError ||
    error instanceof TaskCancelledError
  );
}

export function mapError(error: unknown, requestId: string): MappedError {
  if (error instanceof DomainError) {
    return build(error.reason, error.message, requestId, {
      fieldViolations: error.fieldViolations,
      retryAfterSeconds: error.retryAfterSeconds,
      metadata: error.metadata,
      quotaViolation: error.quotaViolation,
    });
  }
  if (isDependencyFailure(error)) {
    return build("SERVICE_UNAVAILABLE", "A dependency is unavailable; retry later", requestId, { retryAfterSeconds: 1 });
  }
  return build("INTERNAL_ERROR", `Internal error (request id ${requestId})`, requestId, {});
}

/** For statuses made outside a handler (deadline, oversized message, the REST gateway's refusals). */
export function statusFor(reason: WireReason, message: string, requestId: string, extra: { fieldViolations?: readonly FieldViolation[] } = {}): MappedError {
  return build(reason, message, requestId, extra);
}

/**
 * A status as grpc-js makes its own (a deadline, a cancel, an unknown method, a message over a
 * limit): a code and a message, no details. The in-process REST dispatch answers these where
 * grpc-js would have; statusForBareCode renders them.
 */
export function bareStatus(code: Code, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${Code[code]}: ${details}`), { code, details, metadata });
}

/**
 * For a status grpc-js made itself (server stopping, message too large, deadline): it has no
 * details, so it gets a reason here. Its message is never passed on (it can hold parser or
 * transport internals). An unexpected code keeps its number, so a caller can still tell an
 * UNIMPLEMENTED (no handler) from a fault, but says nothing more than INTERNAL_ERROR does.
 */
export function statusForBareCode(code: Code, requestId: string): MappedError {
  switch (code) {
    case Code.UNAVAILABLE:
      return build("SERVICE_UNAVAILABLE", "The service is unavailable; retry later", requestId, {});
    case Code.DEADLINE_EXCEEDED:
      return build("DEADLINE_EXCEEDED", "The call ran out of time", requestId, {});
    case Code.RESOURCE_EXHAUSTED:
      return build("MESSAGE_TOO_LARGE", "The request is larger than the server accepts", requestId, {});
    case Code.CANCELLED:
      return build("CANCELLED", "The call was cancelled", requestId, {});
    default:
      return build("INTERNAL_ERROR", `Internal error (request id ${requestId})`, requestId, {}, code);
  }
}

function build(
  reason: WireReason,
  message: string,
  requestId: string,
  extra: {
    fieldViolations?: readonly FieldViolation[];
    retryAfterSeconds?: number | undefined;
    metadata?: Record<string, string>;
    quotaViolation?: QuotaViolation | undefined;
  },
  code: Code = CODES[reason],
): MappedError {
  const details = [
    any("google.rpc.ErrorInfo", ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata: extra.metadata ?? {} }).finish()),
    any("google.rpc.RequestInfo", RequestInfo.encode({ requestId, servingData: "" }).finish()),
  ];
  if (code === Code.INVALID_ARGUMENT && extra.fieldViolations && extra.fieldViolations.length > 0) {
    const fieldViolations = extra.fieldViolations.map((v) => ({
      field: v.field,
      description: v.description,
      reason: "",
      localizedMessage: undefined,
    }));
    details.push(any("google.rpc.BadRequest", BadRequest.encode({ fieldViolations }).finish()));
  }
  if (extra.retryAfterSeconds !== undefined) {
    const retryDelay = { seconds: Math.ceil(extra.retryAfterSeconds), nanos: 0 };
    details.push(any("google.rpc.RetryInfo", RetryInfo.encode({ retryDelay }).finish()));
  }
  if (code === Code.RESOURCE_EXHAUSTED && extra.quotaViolation) {
    const { subject, description } = extra.quotaViolation;
    const violations = [
      { subject, description, apiService: "", quotaMetric: "", quotaId: "", quotaDimensions: {}, quotaValue: 0, futureQuotaValue: undefined },
    ];
    details.push(any("google.rpc.QuotaFailure", QuotaFailure.encode({ violations }).finish()));
  }
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(Status.encode({ code, message, details }).finish()));
  metadata.set("x-request-id", requestId);
  const serviceError = Object.assign(new Error(message), { code, details: message, metadata }) as ServiceError;
  const logLevel: LogLevel = reason === "INTERNAL_ERROR" ? "error" : WARN.has(reason) ? "warn" : "info";
  return { code, reason, message, logLevel, serviceError };
}

function any(type: string, value: Uint8Array) {
  return { typeUrl: `type.googleapis.com/${type}`, value: Buffer.from(value) };
}
