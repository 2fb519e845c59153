// Pure conversions between Prisma rows and domain entities. The database is the trusted
// side, but its types are wider than the domain's (a list column may be null, Json may be any
// JSON, Bytes is Prisma's own Uint8Array flavour), so each mapper narrows explicitly instead
// of casting.

import type { ApiKeyOwner, ApiKeyRecord, ServiceAccount } from "../../application/ports/api-keys.js";
import type { AuditRecord } from "../../application/ports/audit.js";
import type { OtpCodeRecord } from "../../application/ports/codes.js";
import type { Channel, OtpPurpose } from "../../application/ports/delivery.js";
import type { StoredSigningKey } from "../../application/ports/signing-keys.js";
import type { AuditEventType } from "../../domain/audit.js";
import type { RefreshTokenRecord, Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";
import type {
  ApiKey as ApiKeyRow,
  AuditEvent as AuditEventRow,
  OtpCode as OtpCodeRow,
  Prisma,
  RefreshToken as RefreshTokenRow,
  ServiceAccount as ServiceAccountRow,
  Session as SessionRow,
  SigningKey as SigningKeyRow,
  User as UserRow,
} from "../../gen/prisma/client.js";

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    usernameNormalized: row.usernameNormalized,
    email: row.email,
    phone: row.phone,
    fullName: row.fullName,
    passwordHash: row.passwordHash,
    emailVerified: row.emailVerified,
    phoneVerified: row.phoneVerified,
    mfaEnabled: row.mfaEnabled,
    totpSecretEnc: row.totpSecretEnc,
    totpLastStep: row.totpLastStep,
    // Prisma types list columns as nullable; a NULL array means "no roles".
    roles: [...((row.roles as string[] | null) ?? [])],
    plan: row.plan,
    isActive: row.isActive,
    deletedAt: row.deletedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastLoginAt: row.lastLoginAt,
    authVersion: row.authVersion,
  };
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.userId,
    deviceName: row.deviceName,
    userAgent: row.userAgent,
    ipAddress: row.ipAddress,
    authMethod: row.authMethod,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    authenticatedAt: row.authenticatedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    revokedReason: row.revokedReason,
  };
}

/**
 * A fresh copy of a byte column, used both ways: a row must not hand callers a view into a
 * driver's buffer pool, and Prisma wants a Uint8Array backed by a plain ArrayBuffer, which a
 * caller's view (e.g. a Buffer slice) need not be.
 */
export function copyBytes(value: Uint8Array): Prisma.Bytes {
  return Uint8Array.from(value);
}

export function toRefreshToken(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    sessionId: row.sessionId,
    tokenHash: row.tokenHash,
    generation: row.generation,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    rotatedAt: row.rotatedAt,
    successorId: row.successorId,
    successorSealed: row.successorSealed === null ? null : copyBytes(row.successorSealed),
  };
}

function isJsonObject(value: Prisma.JsonValue): value is Prisma.JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Audit metadata is written as a flat object of primitives; anything else found in the
 * column (hand-edited rows, older formats) is dropped rather than passed on untyped.
 */
export function toAuditMetadata(value: Prisma.JsonValue): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!isJsonObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[key] = v;
  }
  return out;
}

export function toAuditRecord(row: AuditEventRow): AuditRecord {
  return {
    id: row.id,
    userId: row.userId,
    // Written only from the AuditEventType union by record(); the column is plain text.
    type: row.type as AuditEventType,
    outcome: row.outcome === "success" ? "success" : "failure",
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    requestId: row.requestId,
    sessionId: row.sessionId,
    metadata: toAuditMetadata(row.metadata),
    createdAt: row.createdAt,
  };
}

export function toSigningKey(row: SigningKeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    publicJwk: isJsonObject(row.publicJwk) ? { ...row.publicJwk } : {},
    privateKey: row.privateKey,
    createdAt: row.createdAt,
    activatesAt: row.activatesAt,
    retiresAt: row.retiresAt,
    expiresAt: row.expiresAt,
  };
}

/**
 * A JWK is JSON by definition; the port types it loosely (`unknown` values), so a round trip
 * through JSON both checks that and gives Prisma the JSON type it requires.
 */
export function toJsonObject(value: Record<string, unknown>): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonObject;
}

export function toOtpCode(row: OtpCodeRow): OtpCodeRecord {
  return {
    id: row.id,
    userId: row.userId,
    purpose: row.purpose as OtpPurpose,
    channel: row.channel as Channel,
    destination: row.destination,
    codeHash: row.codeHash,
    attempts: row.attempts,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    consumedAt: row.consumedAt,
  };
}

/** The owner columns of an api_keys row (the CHECK constraint guarantees exactly one is set). */
export function toApiKeyOwner(row: { userId: string | null; serviceId: string | null }): ApiKeyOwner {
  if (row.userId !== null) return { type: "user", userId: row.userId };
  if (row.serviceId !== null) return { type: "service", serviceId: row.serviceId };
  throw new Error("api_keys row without an owner (the api_keys_one_owner check should prevent it)");
}

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    owner: toApiKeyOwner(row),
    name: row.name,
    start: row.start,
    keyHash: row.keyHash,
    // A list column may read back as NULL: no scopes.
    scopes: [...((row.scopes as string[] | null) ?? [])],
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

export function toServiceAccount(row: ServiceAccountRow): ServiceAccount {
  return { id: row.id, name: row.name, isActive: row.isActive, createdAt: row.createdAt };
}
