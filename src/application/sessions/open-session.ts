import type { Violations } from "../../domain/errors.js";
import { isSafeText } from "../../domain/identifiers.js";
import type { Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import type { Repositories } from "../ports/unit-of-work.js";
import type { CoreDeps } from "../shared/deps.js";
import { hashRefreshToken, newRefreshToken } from "./refresh-token-codec.js";

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
}

type Deps = Pick<CoreDeps, "clock" | "ids" | "random" | "tokens" | "settings">;

/** A device label is shown back in ListSessions: short, printable. */
export function checkDeviceName(deviceName: string, violations: Violations): void {
  if (deviceName.length > 100) violations.add("device_name", "must be at most 100 characters");
  else if (!isSafeText(deviceName)) violations.add("device_name", "must not contain control characters");
}

function earliest(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * Opens a new session with its first refresh token inside the caller's transaction. Every
 * login, re-authentication included, gets a new session and new tokens (security.md 16).
 */
export async function openSession(
  deps: Deps,
  tx: Repositories,
  user: User,
  ctx: RequestContext,
  options: { authMethod: string; deviceName: string },
): Promise<{ session: Session; refreshToken: string; refreshTokenExpiresAt: Date }> {
  const now = deps.clock.now();
  const session = await tx.sessions.create({
    id: deps.ids.newId(),
    userId: user.id,
    deviceName: options.deviceName,
    userAgent: ctx.userAgent.replace(/[\p{Cc}\p{Cs}]/gu, "").slice(0, 512),
    ipAddress: ctx.ipAddress,
    authMethod: options.authMethod,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.settings.sessionMaxLifetimeSeconds * 1000),
  });
  const refreshToken = newRefreshToken(deps.random);
  const refreshTokenExpiresAt = refreshExpiry(deps, session, now);
  await tx.refreshTokens.insert({
    id: deps.ids.newId(),
    sessionId: session.id,
    tokenHash: hashRefreshToken(refreshToken),
    generation: 0,
    createdAt: now,
    expiresAt: refreshTokenExpiresAt,
  });
  return { session, refreshToken, refreshTokenExpiresAt };
}

/** A refresh token never outlives its session's absolute expiry. */
export function refreshExpiry(deps: Pick<CoreDeps, "settings">, session: Session, now: Date): Date {
  return earliest(new Date(now.getTime() + deps.settings.refreshTokenTtlSeconds * 1000), session.expiresAt);
}

/** Signs an access token for the session; it never outlives the session either. */
export async function signAccessToken(deps: Pick<CoreDeps, "tokens">, user: User, session: Session): Promise<{ token: string; expiresAt: Date }> {
  const issued = await deps.tokens.issue({ userId: user.id, username: user.username, sessionId: session.id, roles: user.roles, scopes: [] }, session.expiresAt);
  return { token: issued.token, expiresAt: issued.expiresAt };
}

/** The token pair of a session just opened: its first refresh token and a fresh access token. */
export async function tokensForNewSession(
  deps: Pick<CoreDeps, "tokens">,
  user: User,
  opened: { session: Session; refreshToken: string; refreshTokenExpiresAt: Date },
): Promise<IssuedTokens> {
  const access = await signAccessToken(deps, user, opened.session);
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: opened.refreshToken,
    refreshTokenExpiresAt: opened.refreshTokenExpiresAt,
  };
}
