import type { RecoveryCodeRepository } from "../../application/ports/codes.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";

export class PrismaRecoveryCodeRepository implements RecoveryCodeRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async replaceAll(userId: string, codes: { id: string; codeHash: string }[], now: Date): Promise<void> {
    await withPrismaErrors(async () => {
      await this.db.recoveryCode.deleteMany({ where: { userId } });
      await this.db.recoveryCode.createMany({ data: codes.map((c) => ({ ...c, userId, createdAt: now })) });
    });
  }

  async use(userId: string, codeHash: string, now: Date): Promise<boolean> {
    // Conditional on used_at IS NULL: a recovery code works exactly once, even under a race.
    const { count } = await withPrismaErrors(() => this.db.recoveryCode.updateMany({ where: { userId, codeHash, usedAt: null }, data: { usedAt: now } }));
    return count === 1;
  }

  async deleteAll(userId: string): Promise<void> {
    await withPrismaErrors(() => this.db.recoveryCode.deleteMany({ where: { userId } }));
  }
}
