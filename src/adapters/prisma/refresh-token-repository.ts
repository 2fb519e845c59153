// RefreshTokenRepository over Prisma. Only the SHA-256 of a refresh token is stored; the raw
// token never reaches this layer. RefreshToken's two statements (the chain read and the
// rotation) go to the PostgreSQL pool as named statements when there is one: prepared once per
// connection, and none of Prisma's query building, compiling and mapping per call.

import type { NewRefreshToken, RefreshTokenChain, RefreshTokenRepository } from "../../application/ports/sessions.js";
import type { RefreshTokenRecord } from "../../domain/session.js";
import type { Prisma, RefreshToken as RefreshTokenRow, Session as SessionRow, User as UserRow } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { copyBytes, toRefreshToken, toSession, toUser } from "./mappers.js";
import type { SqlPool } from "./session-repository.js";

/**
 * The token, its session and the session's user in one statement (served by the unique index
 * on token_hash and two primary keys). Every column of the three, aliased: a column added to
 * one of these models fails to compile in `chainOf` until it is read here too.
 */
const CHAIN_BY_HASH = {
  name: "auth_refresh_chain_v1",
  text: `SELECT t.id::text AS t_id, t.session_id::text AS t_session_id, t.token_hash AS t_token_hash,
       t.generation AS t_generation, t.created_at AS t_created_at, t.expires_at AS t_expires_at,
       t.rotated_at AS t_rotated_at, t.successor_id::text AS t_successor_id, t.successor_sealed AS t_successor_sealed,
       s.id::text AS s_id, s.user_id::text AS s_user_id, s.device_name AS s_device_name, s.user_agent AS s_user_agent,
       s.ip_address AS s_ip_address, s.auth_method AS s_auth_method, s.created_at AS s_created_at,
       s.last_used_at AS s_last_used_at, s.authenticated_at AS s_authenticated_at, s.expires_at AS s_expires_at,
       s.revoked_at AS s_revoked_at, s.revoked_reason AS s_revoked_reason,
       u.id::text AS u_id, u.username AS u_username, u.username_normalized AS u_username_normalized, u.email AS u_email,
       u.phone AS u_phone, u.full_name AS u_full_name, u.password_hash AS u_password_hash,
       u.email_verified AS u_email_verified, u.phone_verified AS u_phone_verified, u.mfa_enabled AS u_mfa_enabled,
       u.totp_secret_enc AS u_totp_secret_enc, u.totp_last_step AS u_totp_last_step, u.roles AS u_roles,
       u.plan AS u_plan, u.is_active AS u_is_active, u.deleted_at AS u_deleted_at, u.created_at AS u_created_at,
       u.updated_at AS u_updated_at, u.last_login_at AS u_last_login_at, u.auth_version AS u_auth_version
  FROM refresh_tokens t
  JOIN sessions s ON s.id = t.session_id
  JOIN users u ON u.id = s.user_id
 WHERE t.token_hash = $1`,
};

/**
 * One rotation in one statement, so one round trip and atomic without a transaction. The
 * conditional UPDATE is the whole race protection of refresh rotation: on PostgreSQL a second
 * concurrent rotation blocks on the row lock, then re-evaluates `rotated_at IS NULL` against
 * the committed row and updates nothing, so `rotated` is empty and neither the successor nor
 * the session's last use is written. Exactly one caller sees 1 and may hand out the successor;
 * every other one must treat the token as already rotated (grace-window replay or reuse).
 * Data-modifying CTEs always run to completion, read or not.
 */
const ROTATE = {
  name: "auth_refresh_rotate_v1",
  text: `WITH rotated AS (
    UPDATE refresh_tokens
       SET rotated_at = $2, successor_id = $3::uuid, successor_sealed = $4
     WHERE id = $1::uuid AND rotated_at IS NULL
    RETURNING session_id
  ), inserted AS (
    INSERT INTO refresh_tokens (id, session_id, token_hash, generation, created_at, expires_at)
    SELECT $3::uuid, $5::uuid, $6, $7::int, $8, $9
      FROM rotated
    RETURNING id
  ), touched AS (
    UPDATE sessions SET last_used_at = $2 WHERE id IN (SELECT session_id FROM rotated)
    RETURNING id
  )
  SELECT (SELECT count(*) FROM inserted)::int AS rotated`,
};

export class PrismaRefreshTokenRepository implements RefreshTokenRepository {
  /**
   * The root client or an interactive transaction's client: both satisfy this type. `pool`: the
   * PostgreSQL pool under the root client (never given inside a transaction, whose statements
   * must run on the transaction's own connection).
   */
  constructor(
    private readonly db: Prisma.TransactionClient,
    private readonly pool: SqlPool | null = null,
  ) {}

  async insert(token: NewRefreshToken): Promise<void> {
    await withPrismaErrors(() =>
      this.db.refreshToken.create({
        data: {
          id: token.id,
          sessionId: token.sessionId,
          tokenHash: token.tokenHash,
          generation: token.generation,
          createdAt: token.createdAt,
          expiresAt: token.expiresAt,
        },
      }),
    );
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = await withPrismaErrors(() => this.db.refreshToken.findUnique({ where: { tokenHash } }));
    return row === null ? null : toRefreshToken(row);
  }

  async findChainByHash(tokenHash: string): Promise<RefreshTokenChain | null> {
    const pool = this.pool;
    if (pool) {
      const { rows } = await withPrismaErrors(() => pool.query({ ...CHAIN_BY_HASH, values: [tokenHash] }));
      const row = rows[0] as ChainRow | undefined;
      return row ? chainOf(row) : null;
    }
    const row = await withPrismaErrors(() => this.db.refreshToken.findUnique({ where: { tokenHash }, include: { session: { include: { user: true } } } }));
    if (row === null) return null;
    const { session, ...token } = row;
    const { user, ...sessionRow } = session;
    return { token: toRefreshToken(token), session: toSession(sessionRow), user: toUser(user) };
  }

  async findById(id: string): Promise<RefreshTokenRecord | null> {
    const row = await withPrismaErrors(() => this.db.refreshToken.findUnique({ where: { id } }));
    return row === null ? null : toRefreshToken(row);
  }

  async rotate(rotation: { id: string; at: Date; successor: NewRefreshToken; successorSealed: Uint8Array }): Promise<boolean> {
    const { id, at, successor } = rotation;
    const sealed = copyBytes(rotation.successorSealed);
    const pool = this.pool;
    const values = [id, at, successor.id, sealed, successor.sessionId, successor.tokenHash, successor.generation, successor.createdAt, successor.expiresAt];
    // One statement text for both databases: the pool prepares it by name, PGlite takes it
    // through Prisma (parameters bound, never interpolated).
    const rows = pool
      ? ((await withPrismaErrors(() => pool.query({ ...ROTATE, values }))).rows as { rotated: number }[])
      : await withPrismaErrors(() => this.db.$queryRawUnsafe<{ rotated: number }[]>(ROTATE.text, ...values));
    return rows[0]?.rotated === 1;
  }
}

/** One row of CHAIN_BY_HASH as pg returns it (timestamptz as Date, bytea as Buffer, text[] as string[]). */
interface ChainRow {
  t_id: string;
  t_session_id: string;
  t_token_hash: string;
  t_generation: number;
  t_created_at: Date;
  t_expires_at: Date;
  t_rotated_at: Date | null;
  t_successor_id: string | null;
  t_successor_sealed: Uint8Array | null;
  s_id: string;
  s_user_id: string;
  s_device_name: string;
  s_user_agent: string;
  s_ip_address: string;
  s_auth_method: string;
  s_created_at: Date;
  s_last_used_at: Date;
  s_authenticated_at: Date;
  s_expires_at: Date;
  s_revoked_at: Date | null;
  s_revoked_reason: string | null;
  u_id: string;
  u_username: string;
  u_username_normalized: string;
  u_email: string | null;
  u_phone: string | null;
  u_full_name: string;
  u_password_hash: string | null;
  u_email_verified: boolean;
  u_phone_verified: boolean;
  u_mfa_enabled: boolean;
  u_totp_secret_enc: string | null;
  u_totp_last_step: number | null;
  u_roles: string[] | null;
  u_plan: string;
  u_is_active: boolean;
  u_deleted_at: Date | null;
  u_created_at: Date;
  u_updated_at: Date;
  u_last_login_at: Date | null;
  u_auth_version: number;
}

/** The row as the three Prisma models, each complete (so a new column is a compile error here), through the usual mappers. */
function chainOf(r: ChainRow): RefreshTokenChain {
  const token: RefreshTokenRow = {
    id: r.t_id,
    sessionId: r.t_session_id,
    tokenHash: r.t_token_hash,
    generation: r.t_generation,
    createdAt: r.t_created_at,
    expiresAt: r.t_expires_at,
    rotatedAt: r.t_rotated_at,
    successorId: r.t_successor_id,
    successorSealed: r.t_successor_sealed === null ? null : copyBytes(r.t_successor_sealed),
  };
  const session: SessionRow = {
    id: r.s_id,
    userId: r.s_user_id,
    deviceName: r.s_device_name,
    userAgent: r.s_user_agent,
    ipAddress: r.s_ip_address,
    authMethod: r.s_auth_method,
    createdAt: r.s_created_at,
    lastUsedAt: r.s_last_used_at,
    authenticatedAt: r.s_authenticated_at,
    expiresAt: r.s_expires_at,
    revokedAt: r.s_revoked_at,
    revokedReason: r.s_revoked_reason,
  };
  const user: UserRow = {
    id: r.u_id,
    username: r.u_username,
    usernameNormalized: r.u_username_normalized,
    email: r.u_email,
    phone: r.u_phone,
    fullName: r.u_full_name,
    passwordHash: r.u_password_hash,
    emailVerified: r.u_email_verified,
    phoneVerified: r.u_phone_verified,
    mfaEnabled: r.u_mfa_enabled,
    totpSecretEnc: r.u_totp_secret_enc,
    totpLastStep: r.u_totp_last_step,
    roles: r.u_roles ?? [],
    plan: r.u_plan,
    isActive: r.u_is_active,
    deletedAt: r.u_deleted_at,
    createdAt: r.u_created_at,
    updatedAt: r.u_updated_at,
    lastLoginAt: r.u_last_login_at,
    authVersion: r.u_auth_version,
  };
  return { token: toRefreshToken(token), session: toSession(session), user: toUser(user) };
}
