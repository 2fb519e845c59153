/** A signed-in device: the unit of revocation. */
export interface Session {
  id: string;
  userId: string;
  deviceName: string;
  userAgent: string;
  ipAddress: string;
  authMethod: string;
  createdAt: Date;
  lastUsedAt: Date;
  /** The last proof of a credential on this session (its login, or Reauthenticate); never moved by a refresh. */
  authenticatedAt: Date;
  /** Absolute: refreshing never moves it (security.md 21). */
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export type RevokeReason =
  | "logout"
  | "user_revoked"
  | "revoke_all"
  | "password_changed"
  | "password_reset"
  | "account_deleted"
  | "refresh_token_reuse"
  | "contact_claimed"
  | "admin";

export function isSessionLive(session: Session, now: Date): boolean {
  return session.revokedAt === null && session.expiresAt.getTime() > now.getTime();
}

/** A stored refresh token. Only the SHA-256 of the raw token is kept. */
export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  tokenHash: string;
  generation: number;
  createdAt: Date;
  expiresAt: Date;
  rotatedAt: Date | null;
  successorId: string | null;
  /** The successor token sealed with a key derived from this (parent) raw token. */
  successorSealed: Uint8Array | null;
}
