// RefreshTokenRepository over Prisma. Only the SHA-256 of a refresh token is stored; the raw
// token never reaches this layer.

import type { NewRefreshToken, RefreshTokenRepository } from "../../application/ports/sessions.js";
import type { RefreshTokenRecord } from "../../domain/session.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { copyBytes, toRefreshToken } from "./mappers.js";

export class PrismaRefreshTokenRepository implements RefreshTokenRepository {
  /** The root client or an interactive transaction's client: both satisfy this type. */
  constructor(private readonly db: Prisma.TransactionClient) {}

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

  async findById(id: string): Promise<RefreshTokenRecord | null> {
    const row = await withPrismaErrors(() => this.db.refreshToken.findUnique({ where: { id } }));
    return row === null ? null : toRefreshToken(row);
  }

  async rotate(rotation: { id: string; at: Date; successor: NewRefreshToken; successorSealed: Uint8Array }): Promise<boolean> {
    const { id, at, successor } = rotation;
    // One statement, so one round trip and atomic without a transaction. The conditional
    // UPDATE is the whole race protection of refresh rotation: on PostgreSQL a second concurrent
    // rotation blocks on the row lock, then re-evaluates `rotated_at IS NULL` against the
    // committed row and updates nothing, so `rotated` is empty and neither the successor nor
    // the session's last use is written. Exactly one caller sees 1 and may hand out the
    // successor; every other one must treat the token as already rotated (grace-window replay
    // or reuse). Data-modifying CTEs always run to completion, read or not.
    const rows = await withPrismaErrors(
      () =>
        this.db.$queryRaw<{ rotated: number }[]>`
        WITH rotated AS (
          UPDATE refresh_tokens
             SET rotated_at = ${at}, successor_id = ${successor.id}::uuid, successor_sealed = ${copyBytes(rotation.successorSealed)}
           WHERE id = ${id}::uuid AND rotated_at IS NULL
          RETURNING session_id
        ), inserted AS (
          INSERT INTO refresh_tokens (id, session_id, token_hash, generation, created_at, expires_at)
          SELECT ${successor.id}::uuid, ${successor.sessionId}::uuid, ${successor.tokenHash}, ${successor.generation}::int, ${successor.createdAt}, ${successor.expiresAt}
            FROM rotated
          RETURNING id
        ), touched AS (
          UPDATE sessions SET last_used_at = ${at} WHERE id IN (SELECT session_id FROM rotated)
          RETURNING id
        )
        SELECT (SELECT count(*) FROM inserted)::int AS rotated`,
    );
    return rows[0]?.rotated === 1;
  }
}
