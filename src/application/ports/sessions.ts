/** Persistence of sessions and their refresh tokens. Ports owned by the application; adapters implement them. */
import type { RefreshTokenRecord, RevokeReason, Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";

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

/** What the session-status check reads: the two columns that decide whether a session is live. */
export type SessionStatus = Pick<Session, "expiresAt" | "revokedAt">;

export interface SessionRepository {
  create(session: NewSession): Promise<Session>;
  findById(id: string): Promise<Session | null>;
  /** The session's expiry and revocation only (the hot path of every bearer call); null when there is none. */
  statusOf(id: string): Promise<SessionStatus | null>;
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

/** A refresh token with its session and the session's user, as they stand in one read. */
export interface RefreshTokenChain {
  token: RefreshTokenRecord;
  session: Session;
  user: User;
}

export interface RefreshTokenRepository {
  insert(token: NewRefreshToken): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * The token with this hash, its session and the session's user, read together (one statement
   * on PostgreSQL: the hot path of RefreshToken); null when there is no such token.
   */
  findChainByHash(tokenHash: string): Promise<RefreshTokenChain | null>;
  findById(id: string): Promise<RefreshTokenRecord | null>;
  /**
   * One rotation as one atomic step (one statement on PostgreSQL): marks token `id` rotated
   * only if it was not rotated yet (a conditional update, so of concurrent refreshes exactly one
   * wins), and only then stores `successor` (its id is the rotated token's successorId,
   * `successorSealed` kept beside it) and records the use on the session (lastUsedAt = `at`).
   * True when this call rotated it; false, with nothing written, otherwise.
   */
  rotate(rotation: { id: string; at: Date; successor: NewRefreshToken; successorSealed: Uint8Array }): Promise<boolean>;
}
