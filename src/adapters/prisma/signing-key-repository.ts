// SigningKeyRepository over Prisma. The private key column is opaque here: PEM, or ciphertext
// when an encryption key is configured; this layer never parses or logs it.
import type { SigningKeyRepository, StoredSigningKey } from "../../application/ports/signing-keys.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toJsonObject, toSigningKey } from "./mappers.js";

export class PrismaSigningKeyRepository implements SigningKeyRepository {
  /** The root client or an interactive transaction's client: both satisfy this type. */
  constructor(private readonly db: Prisma.TransactionClient) {}

  async list(): Promise<StoredSigningKey[]> {
    // Oldest first, so the key ring sees keys in the order they were activated.
    const rows = await withPrismaErrors(() => this.db.signingKey.findMany({ orderBy: [{ activatesAt: "asc" }, { createdAt: "asc" }, { kid: "asc" }] }));
    return rows.map(toSigningKey);
  }

  async insert(key: StoredSigningKey): Promise<void> {
    await withPrismaErrors(() =>
      this.db.signingKey.create({
        data: {
          kid: key.kid,
          algorithm: key.algorithm,
          publicJwk: toJsonObject(key.publicJwk),
          privateKey: key.privateKey,
          createdAt: key.createdAt,
          activatesAt: key.activatesAt,
          retiresAt: key.retiresAt,
          expiresAt: key.expiresAt,
        },
      }),
    );
  }

  async retire(kid: string, retiresAt: Date, expiresAt: Date): Promise<void> {
    const { count } = await withPrismaErrors(() => this.db.signingKey.updateMany({ where: { kid }, data: { retiresAt, expiresAt } }));
    // Retiring a key that is not stored means the caller's key ring and the database
    // disagree: a bug to surface, not something to ignore.
    if (count === 0) throw new Error(`Signing key ${kid} does not exist`);
  }
}
