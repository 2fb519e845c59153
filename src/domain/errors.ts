/**
 * The one error vocabulary of the service. Domain code and use cases throw `DomainError`
 * with a stable reason; only `adapters/grpc/status.ts` decides which gRPC code, details and
 * log level a reason becomes. The reasons mirror `auth.v1.ErrorReason` in errors.proto.
 */
export type ErrorReason =
  | "VALIDATION_FAILED"
  | "PASSWORD_TOO_WEAK"
  | "USER_ALREADY_EXISTS"
  | "INVALID_CREDENTIALS"
  | "MFA_REQUIRED"
  | "ACCOUNT_DISABLED"
  | "ACCOUNT_LOCKED"
  | "TOKEN_EXPIRED"
  | "TOKEN_INVALID"
  | "SESSION_REVOKED"
  | "REFRESH_TOKEN_REUSED"
  | "AUTHENTICATION_REQUIRED"
  | "SESSION_NOT_FOUND"
  | "USER_NOT_FOUND"
  | "RATE_LIMITED"
  | "SERVICE_UNAVAILABLE"
  | "CONTACT_NOT_VERIFIED"
  | "PERMISSION_DENIED"
  | "OTP_INVALID"
  | "MFA_INVALID"
  | "MFA_STATE_CONFLICT"
  | "REAUTHENTICATION_REQUIRED"
  | "API_KEY_INVALID"
  | "API_KEY_NOT_FOUND"
  | "LAST_ADMIN"
  | "QUOTA_EXCEEDED"
  | "SERVICE_NOT_FOUND"
  | "OAUTH_PROVIDER_UNKNOWN"
  | "OAUTH_STATE_INVALID"
  | "OAUTH_FAILED"
  | "ACCOUNT_LINK_REQUIRED"
  | "PROVIDER_ALREADY_LINKED"
  | "LAST_SIGN_IN_METHOD"
  | "SIGN_IN_METHOD_NOT_FOUND"
  | "PASSKEY_CHALLENGE_INVALID"
  | "PASSKEY_INVALID";

export interface FieldViolation {
  /** The request field, in the proto's snake_case (`password`, `update_mask`). */
  field: string;
  description: string;
}

/** For QUOTA_EXCEEDED: which quota was used up (google.rpc.QuotaFailure.Violation). */
export interface QuotaViolation {
  subject: string;
  description: string;
}

export interface DomainErrorOptions {
  fieldViolations?: FieldViolation[];
  quotaViolation?: QuotaViolation;
  /** For RATE_LIMITED / ACCOUNT_LOCKED: when the caller may try again. */
  retryAfterSeconds?: number;
  /** Extra ErrorInfo metadata; never secrets, never raw input. */
  metadata?: Record<string, string>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly reason: ErrorReason;
  readonly fieldViolations: FieldViolation[];
  readonly retryAfterSeconds: number | undefined;
  readonly metadata: Record<string, string>;
  readonly quotaViolation: QuotaViolation | undefined;

  constructor(reason: ErrorReason, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
    this.reason = reason;
    this.fieldViolations = options.fieldViolations ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.metadata = options.metadata ?? {};
    this.quotaViolation = options.quotaViolation;
  }
}

/**
 * A dependency (database, cache) could not answer. Adapters raise it so that the status
 * mapping can answer UNAVAILABLE (retryable) instead of INTERNAL.
 */
export class DependencyUnavailableError extends Error {
  readonly dependency: string;
  constructor(dependency: string, options: { cause?: unknown } = {}) {
    super(`${dependency} unavailable`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DependencyUnavailableError";
    this.dependency = dependency;
  }
}

/** Collects field violations so that one INVALID_ARGUMENT lists every bad field at once. */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Throws VALIDATION_FAILED (or `reason`) when anything was added. */
  throwIfAny(reason: ErrorReason = "VALIDATION_FAILED", message = "The request has invalid fields"): void {
    if (this.list.length > 0) {
      throw new DomainError(reason, message, { fieldViolations: [...this.list] });
    }
  }
}
