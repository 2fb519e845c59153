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

  async markRotated(id: string, at: Date, successorId: string, successorSealed: Uint8Array): Promise<boolean> {
    // The single conditional UPDATE is the whole race protection of refresh rotation: on
    // PostgreSQL a second concurrent rotation blocks on the row lock, then re-evaluates
    // `rotated_at IS NULL` against the committed row and updates nothing. Exactly one caller
    // sees count 1 and may hand out the successor; every other one must treat the token as
    // already rotated (grace-window replay or reuse).
    const { count } = await withPrismaErrors(() =>
      this.db.refreshToken.updateMany({
        where: { id, rotatedAt: null },
        data: { rotatedAt: at, successorId, successorSealed: copyBytes(successorSealed) },
      }),
    );
    return count === 1;
  }
}
