import type { PasskeyRepository, StoredPasskey } from "../../application/ports/sign-in-methods.js";
import { DomainError } from "../../domain/errors.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { isUniqueViolation, withPrismaErrors } from "./errors.js";

type PasskeyRow = Omit<StoredPasskey, "counter" | "publicKey"> & { counter: bigint; publicKey: Uint8Array };

function toPasskey(row: PasskeyRow): StoredPasskey {
  return { ...row, counter: Number(row.counter), publicKey: new Uint8Array(row.publicKey) };
}

export class PrismaPasskeyRepository implements PasskeyRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async findByCredentialId(credentialId: string): Promise<StoredPasskey | null> {
    const row = await withPrismaErrors(() => this.db.passkey.findUnique({ where: { credentialId } }));
    return row ? toPasskey(row) : null;
  }

  async listForUser(userId: string): Promise<StoredPasskey[]> {
    const rows = await withPrismaErrors(() => this.db.passkey.findMany({ where: { userId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }));
    return rows.map(toPasskey);
  }

  async create(passkey: StoredPasskey): Promise<StoredPasskey> {
    try {
      const row = await withPrismaErrors(() =>
        this.db.passkey.create({ data: { ...passkey, counter: BigInt(passkey.counter), publicKey: Buffer.from(passkey.publicKey) } }),
      );
      return toPasskey(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError("PASSKEY_INVALID", "The passkey could not be registered", { cause: error });
      throw error;
    }
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const { count } = await withPrismaErrors(() => this.db.passkey.deleteMany({ where: { userId, id } }));
    return count === 1;
  }

  async recordUse(id: string, expectedCounter: number, counter: number, at: Date): Promise<boolean> {
    const { count } = await withPrismaErrors(() =>
      this.db.passkey.updateMany({ where: { id, counter: BigInt(expectedCounter) }, data: { counter: BigInt(counter), lastUsedAt: at } }),
    );
    return count === 1;
  }
}
