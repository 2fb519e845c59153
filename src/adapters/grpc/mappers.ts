/** Pure conversions between the core's types and the generated protobuf messages. */

import type { AuditRecord } from "../../application/ports/audit.js";
import type { OtpPurpose as CoreOtpPurpose } from "../../application/ports/delivery.js";
import type { PublicJwk } from "../../application/ports/tokens.js";
import type { IssuedTokens } from "../../application/sessions/open-session.js";
import type { Principal } from "../../application/sessions/validate-token.js";
import type { Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";
import { OtpPurpose, type ValidateTokenResponse } from "../../gen/pb/auth/v1/auth_service.js";
import type { Jwk, AuditEvent as PbAuditEvent, Session as PbSession, User as PbUser, TokenPair } from "../../gen/pb/auth/v1/resources.js";
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
