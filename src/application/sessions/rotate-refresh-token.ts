import { DomainError, Violations } from "../../domain/errors.js";
import { isSessionLive, type RefreshTokenRecord, type Session } from "../../domain/session.js";
import { canSignIn, type User } from "../../domain/user.js";
import type { RefreshTokenChain } from "../ports/sessions.js";
import type { RequestContext } from "../ports/time.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { type IssuedTokens, refreshExpiry, signAccessToken } from "./open-session.js";
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken, openSuccessor, sealSuccessor } from "./refresh-token-codec.js";

type Deps = Pick<CoreDeps, "uow" | "clock" | "ids" | "random" | "tokens" | "ipAttempts" | "revoker" | "settings" | "securityEvents">;

/**
 * Rotation with reuse detection (RFC 9700 §4.14.2): every use retires the presented token and
 * issues a successor. A retired token coming back means it leaked (or a client misbehaves), so
 * the whole session is revoked — except the immediate parent retried within the grace window,
 * which gets the very same successor so that concurrent retries never fork a session.
 */
export class RotateRefreshToken {
  constructor(private readonly deps: Deps) {}

  async execute(input: { refreshToken: string }, ctx: RequestContext): Promise<IssuedTokens> {
    const raw = input.refreshToken.trim();
    const violations = new Violations();
    if (raw === "") violations.add("refresh_token", "is required");
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);
    if (!looksLikeRefreshToken(raw)) throw invalid();

    // The token, its session and its user in one read (one statement on PostgreSQL).
    const chain = await this.deps.uow.refreshTokens.findChainByHash(hashRefreshToken(raw));
    if (!chain) throw invalid();
    const { token: record, user } = chain;
    const session = this.liveSession(chain);
    if (record.rotatedAt !== null) return this.replayed(raw, record, session, user, ctx);
    if (!canSignIn(user)) throw disabled();

    const now = this.deps.clock.now();
    const successor = newRefreshToken(this.deps.random);
    const successorId = this.deps.ids.newId();
    const successorExpiresAt = refreshExpiry(this.deps, session, now);
    // One atomic step (one statement on PostgreSQL): retire the presented token if no one did
    // yet, store its successor, record the session's use.
    const won = await this.deps.uow.refreshTokens.rotate({
      id: record.id,
      at: now,
      successor: {
        id: successorId,
        sessionId: session.id,
        tokenHash: hashRefreshToken(successor),
        generation: record.generation + 1,
        createdAt: now,
        expiresAt: successorExpiresAt,
      },
      successorSealed: sealSuccessor(raw, successor, this.deps.random),
    });
    if (!won) {
      // A concurrent call rotated this token first: treat ours as its retry.
      const latest = await this.deps.uow.refreshTokens.findById(record.id);
      if (!latest) throw invalid();
      return this.replayed(raw, latest, session, user, ctx);
    }
    const access = await signAccessToken(this.deps, user, session);
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: successor,
      refreshTokenExpiresAt: successorExpiresAt,
    };
  }

  private liveSession({ token: record, session }: RefreshTokenChain): Session {
    const now = this.deps.clock.now();
    if (session.revokedAt !== null) {
      throw new DomainError("SESSION_REVOKED", "The session has been revoked");
    }
    if (!isSessionLive(session, now) || record.expiresAt.getTime() <= now.getTime()) {
      throw new DomainError("TOKEN_EXPIRED", "The refresh token has expired");
    }
    return session;
  }

  /** The presented token was already rotated: a retry inside the grace window, or reuse. */
  private async replayed(raw: string, record: RefreshTokenRecord, session: Session, user: User, ctx: RequestContext): Promise<IssuedTokens> {
    const now = this.deps.clock.now();
    const graceMs = this.deps.settings.refreshReuseGraceSeconds * 1000;
    const rotatedAt = record.rotatedAt?.getTime() ?? 0;
    if (graceMs > 0 && now.getTime() - rotatedAt <= graceMs && record.successorId && record.successorSealed) {
      const successor = await this.deps.uow.refreshTokens.findById(record.successorId);
      const successorRaw = openSuccessor(raw, record.successorSealed);
      // Only the immediate parent of the token in use: once the successor was rotated too,
      // this is an old token coming back, however recent.
      if (successor && successor.rotatedAt === null && successorRaw !== null) {
        if (!canSignIn(user)) throw disabled();
        const access = await signAccessToken(this.deps, user, session);
        return {
          accessToken: access.token,
          accessTokenExpiresAt: access.expiresAt,
          refreshToken: successorRaw,
          refreshTokenExpiresAt: successor.expiresAt,
        };
      }
    }
    const audit = auditTrail(this.deps, ctx, { userId: session.userId, sessionId: session.id });
    await revokingWrite(this.deps, async (tx, revoked) => {
      if (await tx.sessions.revoke(session.id, "refresh_token_reuse", now)) revoked([session.id]);
      await audit.record(tx, "token.reuse_detected", { outcome: "failure", metadata: { generation: record.generation } });
    });
    this.deps.securityEvents.record("refresh_token_reused");
    throw new DomainError("REFRESH_TOKEN_REUSED", "The refresh token was already used; the session has been revoked");
  }
}

function disabled(): DomainError {
  return new DomainError("ACCOUNT_DISABLED", "The account is disabled");
}

function invalid(): DomainError {
  return new DomainError("TOKEN_INVALID", "The refresh token is invalid");
}
