/** Pure conversions between the core's types and the generated protobuf messages. */

import type { VerifiedApiKey } from "../../application/api-keys/verify-api-key.js";
import type { QuotaDecision } from "../../application/plans/check-quota.js";
import type { Subscription } from "../../application/plans/get-subscription.js";
import type { ApiKeyRecord } from "../../application/ports/api-keys.js";
import type { AuditRecord } from "../../application/ports/audit.js";
import type { OtpPurpose as CoreOtpPurpose } from "../../application/ports/delivery.js";
import type { CatalogueService, Plan } from "../../application/ports/plans.js";
import type { OAuthIdentity, StoredPasskey } from "../../application/ports/sign-in-methods.js";
import type { PublicJwk } from "../../application/ports/tokens.js";
import type { IssuedTokens } from "../../application/sessions/open-session.js";
import type { Principal } from "../../application/sessions/validate-token.js";
import type { Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";
import type { GetUserResponse } from "../../gen/pb/auth/v1/admin_service.js";
import { OwnerType, type ApiKey as PbApiKey, type ValidateApiKeyResponse } from "../../gen/pb/auth/v1/api_key_service.js";
import { OtpPurpose, type ValidateTokenResponse } from "../../gen/pb/auth/v1/auth_service.js";
import type { CheckQuotaResponse, GetSubscriptionResponse, CatalogueService as PbCatalogueService, Plan as PbPlan } from "../../gen/pb/auth/v1/plan_service.js";
import type {
  Jwk,
  AuditEvent as PbAuditEvent,
  Passkey as PbPasskey,
  Session as PbSession,
  User as PbUser,
  ProviderIdentity,
  TokenPair,
} from "../../gen/pb/auth/v1/resources.js";
import type { ListSessionsResponse } from "../../gen/pb/auth/v1/session_service.js";

export function userToPb(user: User): PbUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email ?? "",
    phone: user.phone ?? "",
    fullName: user.fullName,
    emailVerified: user.emailVerified,
    phoneVerified: user.phoneVerified,
    mfaEnabled: user.mfaEnabled,
    roles: user.roles,
    plan: user.plan,
    isActive: user.isActive && user.deletedAt === null,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt ?? undefined,
  };
}

/** GetUser: a user with its counts of live sessions and usable keys. */
export function userDetailsToPb(out: { user: User; sessionCount: number; apiKeyCount: number }): GetUserResponse {
  return { user: userToPb(out.user), sessionCount: out.sessionCount, apiKeyCount: out.apiKeyCount };
}

export function sessionToPb(session: Session, currentSessionId: string | null): PbSession {
  return {
    id: session.id,
    deviceName: session.deviceName,
    userAgent: session.userAgent,
    ipAddress: session.ipAddress,
    authMethod: session.authMethod,
    createdAt: session.createdAt,
    lastUsedAt: session.lastUsedAt,
    expiresAt: session.expiresAt,
    current: session.id === currentSessionId,
  };
}

/** One page of ListSessions: `current` marks the calling session wherever it falls. */
export function listSessionsToPb(page: { sessions: Session[]; currentSessionId: string; nextPageToken: string }): ListSessionsResponse {
  return {
    sessions: page.sessions.map((session) => sessionToPb(session, page.currentSessionId)),
    nextPageToken: page.nextPageToken,
  };
}

export function tokensToPb(tokens: IssuedTokens): TokenPair {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: "Bearer",
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
  };
}

export function principalToPb(principal: Principal): ValidateTokenResponse {
  return {
    userId: principal.userId,
    username: principal.username,
    sessionId: principal.sessionId,
    roles: principal.roles,
    scopes: principal.scopes,
    expiresAt: principal.expiresAt,
  };
}

export function jwkToPb(jwk: PublicJwk): Jwk {
  return {
    kty: jwk.kty,
    kid: jwk.kid,
    use: jwk.use,
    alg: jwk.alg,
    crv: jwk.crv ?? "",
    x: jwk.x ?? "",
    y: jwk.y ?? "",
    n: jwk.n ?? "",
    e: jwk.e ?? "",
  };
}

/** The wire enum → the core's purpose; UNSPECIFIED or unknown → null (a field violation). */
export function purposeFromPb(purpose: OtpPurpose): CoreOtpPurpose | null {
  switch (purpose) {
    case OtpPurpose.OTP_PURPOSE_VERIFY_CONTACT:
      return "verify_contact";
    case OtpPurpose.OTP_PURPOSE_LOGIN:
      return "login";
    case OtpPurpose.OTP_PURPOSE_RESET_PASSWORD:
      return "reset_password";
    default:
      return null;
  }
}

export function auditEventToPb(event: AuditRecord): PbAuditEvent {
  return {
    id: event.id,
    type: event.type,
    outcome: event.outcome,
    ipAddress: event.ipAddress,
    userAgent: event.userAgent,
    sessionId: event.sessionId ?? "",
    createdAt: event.createdAt,
    metadata: Object.fromEntries(Object.entries(event.metadata).map(([k, v]) => [k, String(v)])),
  };
}

/** A key's metadata; the secret is never part of it. */
export function apiKeyToPb(key: ApiKeyRecord): PbApiKey {
  return {
    id: key.id,
    name: key.name,
    start: key.start,
    scopes: [...key.scopes],
    createTime: key.createdAt,
    expireTime: key.expiresAt ?? undefined,
    lastUsedTime: key.lastUsedAt ?? undefined,
    revokeTime: key.revokedAt ?? undefined,
  };
}

export function verifiedApiKeyToPb(key: VerifiedApiKey): ValidateApiKeyResponse {
  return {
    keyId: key.keyId,
    ownerId: key.owner.type === "user" ? key.owner.userId : key.owner.serviceId,
    ownerType: key.owner.type === "user" ? OwnerType.OWNER_TYPE_USER : OwnerType.OWNER_TYPE_SERVICE,
    scopes: [...key.scopes],
    plan: key.plan,
    expireTime: key.expiresAt ?? undefined,
  };
}

/** An allowed CheckQuota; unlimited answers limit and remaining 0 with `unlimited` set. */
export function quotaDecisionToPb(d: QuotaDecision): CheckQuotaResponse {
  return { allowed: d.allowed, limit: d.limit ?? 0, remaining: d.remaining ?? 0, unlimited: d.limit === null, resetTime: d.resetTime, plan: d.plan };
}

/** A plan; unlimited answers daily_limit 0. */
export function planToPb(p: Plan): PbPlan {
  return { code: p.code, name: p.name, dailyLimit: p.unlimited ? 0 : p.dailyLimit, unlimited: p.unlimited };
}

export function catalogueServiceToPb(s: CatalogueService): PbCatalogueService {
  return { code: s.code, name: s.name, description: s.description };
}

/** The plan and today's usage per service; unlimited answers limit 0 with `unlimited` set. */
export function subscriptionToPb(s: Subscription): GetSubscriptionResponse {
  return {
    plan: planToPb(s.plan),
    usage: s.usage.map((u) => ({ serviceCode: u.serviceCode, used: u.used, limit: u.limit ?? 0, unlimited: u.limit === null, resetTime: u.resetTime })),
  };
}

export function identityToPb(identity: OAuthIdentity): ProviderIdentity {
  return { provider: identity.provider, email: identity.email ?? "", linkedAt: identity.createdAt, lastUsedAt: identity.lastUsedAt ?? undefined };
}

/** A passkey as its owner sees it: never the public key or the credential id. */
export function passkeyToPb(passkey: StoredPasskey): PbPasskey {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt ?? undefined,
    backedUp: passkey.backedUp,
    deviceType: passkey.deviceType,
    transports: passkey.transports,
  };
}
