import type { NewOtpCode, OtpCodeRecord, OtpCodeRepository, OtpPurpose } from "../../application/ports.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toOtpCode } from "./mappers.js";

export class PrismaOtpCodeRepository implements OtpCodeRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async insert(code: NewOtpCode): Promise<void> {
    await withPrismaErrors(() => this.db.otpCode.create({ data: code }));
  }

  async delete(id: string): Promise<void> {
    await withPrismaErrors(() => this.db.otpCode.deleteMany({ where: { id } }));
  }

  async latestSentTo(destination: string): Promise<OtpCodeRecord | null> {
    const row = await withPrismaErrors(() =>
      this.db.otpCode.findFirst({ where: { destination }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    );
    return row ? toOtpCode(row) : null;
  }

  async latestFor(destination: string, purpose: OtpPurpose): Promise<OtpCodeRecord | null> {
    const row = await withPrismaErrors(() =>
      this.db.otpCode.findFirst({ where: { destination, purpose }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    );
    return row ? toOtpCode(row) : null;
  }

  async recordFailedAttempt(id: string, maxAttempts: number, now: Date): Promise<void> {
    // Two statements, each a conditional update: the count only grows while the code is live,
    // and whichever try reaches the limit burns it, however the tries interleave.
    await withPrismaErrors(async () => {
      await this.db.otpCode.updateMany({ where: { id, consumedAt: null }, data: { attempts: { increment: 1 } } });
      await this.db.otpCode.updateMany({ where: { id, consumedAt: null, attempts: { gte: maxAttempts } }, data: { consumedAt: now } });
    });
  }

  async consume(id: string, now: Date): Promise<boolean> {
    const { count } = await withPrismaErrors(() =>
      this.db.otpCode.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: now } }),
    );
    return count === 1;
  }
}
