/**
 * The interfaces the use cases need, owned by the application. Adapters implement them;
 * every port has one contract test (test/contract/) that runs against each adapter.
 */
import type { AuditEventType } from "../domain/audit.js";
import type { IdentifierKind } from "../domain/identifiers.js";
import type { RefreshTokenRecord, RevokeReason, Session } from "../domain/session.js";
import type { User } from "../domain/user.js";

// ---------------------------------------------------------------- time, randomness, ids

export interface Clock {
  now(): Date;
}

export interface Random {
  /** Cryptographically secure random bytes. */
  bytes(length: number): Uint8Array;
}

export interface IdGenerator {
  /** A UUIDv7 string (time-ordered). */
  newId(): string;
}

/** Who is calling, for audit events and limits. Filled by the inbound adapter. */
export interface RequestContext {
  requestId: string;
  ipAddress: string;
  userAgent: string;
}

// ---------------------------------------------------------------- persistence

export interface NewUser {
  id: string;
  username: string;
  usernameNormalized: string;
  email: string | null;
  phone: string | null;
  fullName: string;
  passwordHash: string | null;
  roles: string[];
  plan: string;
  createdAt: Date;
}

export interface UserPatch {
  username?: string;
  usernameNormalized?: string;
  email?: string | null;
  phone?: string | null;
  fullName?: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
  passwordHash?: string | null;
  isActive?: boolean;
  deletedAt?: Date | null;
  lastLoginAt?: Date;
  mfaEnabled?: boolean;
  totpSecretEnc?: string | null;
  totpLastStep?: number | null;
  /** Adds one to authVersion in the same statement: a change of how the account signs in. */
  bumpAuthVersion?: boolean;
  updatedAt: Date;
}

/**
 * What a conditional update expects of the row; it writes only while all of it still holds,
 * decided by the database in the UPDATE itself (never read-then-write in JavaScript).
 */
export interface UserExpectation {
  /** The version the caller's credential check read: a change since then makes it stale. */
  authVersion?: number;
  /** The contact a code was sent to is still the account's. */
  email?: string;
  phone?: string;
  /** Active and not deleted. */
  canSignIn?: true;
}

export interface UserRepository {
  /**
   * Inserts the user. A unique index (not a prior read) decides races: a clash throws
   * DomainError USER_ALREADY_EXISTS with a field violation on the field that clashed.
   */
  create(user: NewUser): Promise<User>;
  findById(id: string): Promise<User | null>;
  /** `value` is already normalized (lower-cased username/email, E.164 phone). Deleted users are found too. */
  findByIdentifier(kind: IdentifierKind, value: string): Promise<User | null>;
  /** Throws USER_ALREADY_EXISTS like create; USER_NOT_FOUND when there is no such user. */
  update(id: string, patch: UserPatch): Promise<User>;
  /**
   * Applies the patch only if the row still meets `expected` (one conditional UPDATE):
   * the updated user, or null when it no longer does (or does not exist). Closes the race
   * between a check (a password, a code) and the write it allows.
   */
  updateIf(id: string, expected: UserExpectation, patch: UserPatch): Promise<User | null>;
  /**
   * Records `step` as the last accepted TOTP time step if it is later than the stored one
   * (conditional update): false means the code was already used, so it is a replay.
   */
  advanceTotpStep(id: string, step: number): Promise<boolean>;
}

export interface NewSession {
  id: string;
  userId: string;
  deviceName: string;
  userAgent: string;
  ipAddress: string;
  authMethod: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionRepository {
  create(session: NewSession): Promise<Session>;
  findById(id: string): Promise<Session | null>;
  /**
   * Not revoked and not expired at `now`, newest first (createdAt desc, then id desc), at most
   * `page.limit` of them; `page.before` is an exclusive keyset cursor on (createdAt, id).
   */
  listLive(userId: string, now: Date, page: { limit: number; before?: { createdAt: Date; id: string } }): Promise<Session[]>;
  /** Revokes the session if it is not revoked yet; true when this call revoked it. */
  revoke(id: string, reason: RevokeReason, now: Date): Promise<boolean>;
  /** Revokes every unrevoked session of the user but `exceptId`; returns the ids it revoked. */
  revokeAllForUser(userId: string, reason: RevokeReason, now: Date, exceptId?: string): Promise<string[]>;
  touch(id: string, now: Date): Promise<void>;
  /** Sets authenticatedAt on a live (unrevoked, unexpired) session; false when it is not live. */
  markAuthenticated(id: string, now: Date): Promise<boolean>;
}

export interface NewRefreshToken {
  id: string;
  sessionId: string;
  tokenHash: string;
  generation: number;
  createdAt: Date;
  expiresAt: Date;
}

export interface RefreshTokenRepository {
  insert(token: NewRefreshToken): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  findById(id: string): Promise<RefreshTokenRecord | null>;
  /**
   * Marks the token rotated only if it was not rotated yet (a conditional update, so two
   * concurrent refreshes cannot both win). True when this call rotated it.
   */
  markRotated(id: string, at: Date, successorId: string, successorSealed: Uint8Array): Promise<boolean>;
}

export interface AuditRecord {
  id: string;
  userId: string | null;
  type: AuditEventType;
  outcome: "success" | "failure";
  ipAddress: string;
  userAgent: string;
  requestId: string;
  sessionId: string | null;
  metadata: Record<string, string | number | boolean>;
  createdAt: Date;
}

export interface AuditLog {
  record(event: AuditRecord): Promise<void>;
  /** Newest first; `before` is an exclusive cursor on (createdAt, id). */
  listForUser(userId: string, options: { limit: number; before?: { createdAt: Date; id: string } }): Promise<AuditRecord[]>;
}

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  /** PKCS8 PEM, or ciphertext when CRYPTO__ENCRYPTION_KEY is set: opaque to the store. */
  privateKey: string;
  createdAt: Date;
  activatesAt: Date;
  /** From then on the key no longer signs. */
  retiresAt: Date | null;
  /** From then on the key no longer verifies. */
  expiresAt: Date | null;
}

export interface SigningKeyRepository {
  list(): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  retire(kid: string, retiresAt: Date, expiresAt: Date): Promise<void>;
}

export interface NewOtpCode {
  id: string;
  /** Null for a destination no account uses: the row only records the send. */
  userId: string | null;
  purpose: OtpPurpose;
  channel: Channel;
  destination: string;
  codeHash: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface OtpCodeRecord extends NewOtpCode {
  attempts: number;
  consumedAt: Date | null;
}

export interface OtpCodeRepository {
  insert(code: NewOtpCode): Promise<void>;
  /** Undoes a send whose delivery failed, so the resend limit is not spent on it. */
  delete(id: string): Promise<void>;
  /** The newest code sent to the destination, any purpose (for the resend limit). */
  latestSentTo(destination: string): Promise<OtpCodeRecord | null>;
  /** The newest code for destination and purpose: older ones never verify. */
  latestFor(destination: string, purpose: OtpPurpose): Promise<OtpCodeRecord | null>;
  /** Counts a wrong try; the try that reaches `maxAttempts` also burns the code. */
  recordFailedAttempt(id: string, maxAttempts: number, now: Date): Promise<void>;
  /** Marks the code used if it was not yet (conditional update): true for exactly one caller. */
  consume(id: string, now: Date): Promise<boolean>;
}

export interface RecoveryCodeRepository {
  /** Replaces every recovery code of the user. */
  replaceAll(userId: string, codes: { id: string; codeHash: string }[], now: Date): Promise<void>;
  /** Marks the matching unused code used: true for exactly one caller. */
  use(userId: string, codeHash: string, now: Date): Promise<boolean>;
  deleteAll(userId: string): Promise<void>;
}

export interface Repositories {
  users: UserRepository;
  sessions: SessionRepository;
  refreshTokens: RefreshTokenRepository;
  audit: AuditLog;
  otpCodes: OtpCodeRepository;
  recoveryCodes: RecoveryCodeRepository;
}

export interface UnitOfWork extends Repositories {
  /** Runs `fn` in one transaction: all it writes commits together, or nothing does. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Throws at once (UNAVAILABLE) when the database is known to be down, so a use case can
   * refuse before spending real work (a password hash) that its first query would waste.
   */
  ensureAvailable(): void;
}

// ---------------------------------------------------------------- credentials

export interface PasswordHasher {
  /** `password` is already NFKC-normalized; the result is a PHC string. */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the stored hash uses weaker parameters than configured. */
  needsRehash(hash: string): boolean;
  /** Spends one verification's worth of time, so unknown users cost what known ones do. */
  verifyDummy(password: string): Promise<void>;
}

export interface AccessTokenClaims {
  userId: string;
  username: string;
  sessionId: string;
  roles: string[];
  scopes: string[];
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface VerifiedAccessToken extends AccessTokenClaims {
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** An access token that does not verify is an expected outcome, not an exception. */
export type AccessTokenVerification =
  | { ok: true; token: VerifiedAccessToken }
  | { ok: false; reason: "TOKEN_EXPIRED" | "TOKEN_INVALID" };

export interface PublicJwk {
  kty: string;
  kid: string;
  use: string;
  alg: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface AccessTokenService {
  /** Signs a token that expires after the configured TTL, or at `notAfter` if that is sooner. */
  issue(claims: AccessTokenClaims, notAfter?: Date): Promise<IssuedAccessToken>;
  verify(token: string): Promise<AccessTokenVerification>;
  /** Every public key that still verifies (empty for HS256: a shared secret is never published). */
  publicJwks(): Promise<PublicJwk[]>;
}

/** Keyed hashing of short codes (OTPs, recovery codes): a dump of hashes cannot be brute-forced offline. */
export interface CodeHasher {
  hash(code: string, context: string): string;
  /** Constant-time comparison of a code against a stored hash. */
  matches(code: string, context: string, storedHash: string): boolean;
}

/** Seals secrets kept at rest (TOTP secrets) with CRYPTO__ENCRYPTION_KEY when configured. */
export interface SecretSealer {
  seal(plaintext: string, associatedData: string): string;
  open(sealed: string, associatedData: string): string;
}

/** RFC 6238 TOTP. */
export interface Totp {
  generateSecret(): string;
  uri(secret: string, accountName: string): string;
  /** The time step the code matches at `now` (±1 step of drift), or null. */
  match(secret: string, code: string, now: Date): number | null;
}

// ---------------------------------------------------------------- coordination

export interface RevocationListener {
  /** Sessions revoked on any instance (this one included). */
  onRevoked(sessionIds: string[]): void;
  /** Messages may have been missed (reconnect): drop everything cached. */
  onReset(): void;
}

/** Fans a session revocation out to every instance (Redis pub/sub; in-process by default). */
export interface RevocationBus {
  publish(sessionIds: string[]): Promise<void>;
  subscribe(listener: RevocationListener): Promise<() => Promise<void>>;
  /** False while delivery cannot be guaranteed (disconnected); caches must not be trusted then. */
  isHealthy(): boolean;
  close(): Promise<void>;
}

export interface LimitState {
  /** consume: whether this attempt was within the limit; peek: whether another attempt would be. */
  allowed: boolean;
  remaining: number;
  /** Seconds until the key is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** A fixed-window counter with an optional block (rate-limiter-flexible over Redis or memory). */
export interface AttemptLimiter {
  /** Counts `points` for key and answers the state after counting. */
  consume(key: string, points?: number): Promise<LimitState>;
  /** The state without counting. */
  peek(key: string): Promise<LimitState>;
  reset(key: string): Promise<void>;
}

// ---------------------------------------------------------------- delivery

export type OtpPurpose = "verify_contact" | "login" | "reset_password";
export type Channel = "email" | "sms";

/**
 * A message to one destination. A `code` message carries a one-time code; `no_account` tells
 * a destination that a code was asked for but no account uses it (sent so that RequestOtp
 * behaves the same whether or not the contact is known); a `notice` tells the account's
 * contacts of a security event (a lock, a changed contact, password or second factor).
 */
export type Notification = CodeNotification | SecurityNotification;

export interface CodeNotification {
  channel: Channel;
  /** A normalized email, or an E.164 phone. */
  to: string;
  kind: "code" | "no_account";
  purpose: OtpPurpose;
  code?: string;
  expiresAt: Date;
}

export type SecurityNotice =
  | "account_locked"
  | "email_changed"
  | "phone_changed"
  | "password_changed"
  | "mfa_enabled"
  | "mfa_disabled"
  | "account_claimed";

export interface SecurityNotification {
  channel: Channel;
  to: string;
  kind: "notice";
  notice: SecurityNotice;
  /** When the event happened. */
  at: Date;
}

export interface Notifier {
  /** Delivers or throws (DependencyUnavailableError when the provider is down). */
  send(notification: Notification): Promise<void>;
}
