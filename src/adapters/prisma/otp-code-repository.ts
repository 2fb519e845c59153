import type { NewOtpCode, OtpCodeRecord, OtpCodeRepository } from "../../application/ports/codes.js";
import type { OtpPurpose } from "../../application/ports/delivery.js";
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
    const row = await withPrismaErrors(() => this.db.otpCode.findFirst({ where: { destination }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }));
    return row ? toOtpCode(row) : null;
  }

  async latestFor(destination: string, purpose: OtpPurpose): Promise<OtpCodeRecord | null> {
    const row = await withPrismaErrors(() => this.db.otpCode.findFirst({ where: { destination, purpose }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }));
    return row ? toOtpCode(row) : null;
  }

  async recordFailedAttempt(id: string, maxAttempts: number, now: Date): Promise<void> {
    // One statement, so no crash or dropped connection can land between counting the try and
    // burning the code (a code left at its limit but still usable). Under READ COMMITTED a
    // concurrent try waits for the row lock, then re-checks `consumed_at IS NULL` and computes
    // the SET from the row as the winner left it: the try that reaches the limit burns the
    // code, and later ones match no row, so attempts never passes maxAttempts.
    // `ELSE consumed_at` (NULL here, as the WHERE says) rather than a bare NULL gives the CASE
    // the column's type, so `now` is bound exactly as an ORM write of the column binds it.
    await withPrismaErrors(
      () => this.db.$executeRaw`
        UPDATE otp_codes
           SET attempts = attempts + 1,
               consumed_at = CASE WHEN attempts + 1 >= ${maxAttempts} THEN ${now} ELSE consumed_at END
         WHERE id = ${id}::uuid AND consumed_at IS NULL`,
    );
  }

  async consume(id: string, now: Date): Promise<boolean> {
    const { count } = await withPrismaErrors(() => this.db.otpCode.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: now } }));
    return count === 1;
  }
}
