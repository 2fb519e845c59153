/**
 * The ONE place that turns an error into a gRPC status. Domain errors keep their reason and
 * field violations; dependency failures become UNAVAILABLE (retryable); anything unexpected
 * becomes INTERNAL with only the request id: never a stack, a SQL fragment or an input echo.
 */
import { Metadata, status as Code, type ServiceError } from "@grpc/grpc-js";
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { DependencyUnavailableError, DomainError, type ErrorReason } from "../../domain/errors.js";
import { BadRequest, ErrorInfo, RequestInfo, RetryInfo } from "../../gen/pb/google/rpc/error_details.js";
import { Status } from "../../gen/pb/google/rpc/status.js";

export const ERROR_DOMAIN = "auth.v1";

type WireReason = ErrorReason | "MESSAGE_TOO_LARGE" | "DEADLINE_EXCEEDED" | "INTERNAL_ERROR";
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
};

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
    });
  }
  if (isDependencyFailure(error)) {
    return build("SERVICE_UNAVAILABLE", "A dependency is unavailable; retry later", requestId, { retryAfterSeconds: 1 });
  }
  return build("INTERNAL_ERROR", `Internal error (request id ${requestId})`, requestId, {});
}

/** For statuses made outside a handler (deadline, oversized message). */
export function statusFor(reason: WireReason, message: string, requestId: string): MappedError {
  return build(reason, message, requestId, {});
}

function build(
  reason: WireReason,
  message: string,
  requestId: string,
  extra: {
    fieldViolations?: { field: string; description: string }[];
    retryAfterSeconds?: number | undefined;
    metadata?: Record<string, string>;
  },
): MappedError {
  const code = CODES[reason];
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
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(Status.encode({ code, message, details }).finish()));
  metadata.set("x-request-id", requestId);
  const serviceError = Object.assign(new Error(message), { code, details: message, metadata }) as ServiceError;
  const logLevel: LogLevel = code === Code.INTERNAL ? "error" : WARN.has(reason) ? "warn" : "info";
  return { code, reason, message, logLevel, serviceError };
}

function any(type: string, value: Uint8Array) {
  return { typeUrl: `type.googleapis.com/${type}`, value: Buffer.from(value) };
}
