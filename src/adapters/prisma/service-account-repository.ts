// ServiceAccountRepository over Prisma: the services that own service keys (`sk_`). A name
// already taken is decided by the unique index and answered VALIDATION_FAILED on `name`.
import { type ServiceAccount, type ServiceAccountRepository, serviceNameTaken } from "../../application/ports/api-keys.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toServiceAccount } from "./mappers.js";

export class PrismaServiceAccountRepository implements ServiceAccountRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async create(account: ServiceAccount): Promise<ServiceAccount> {
    try {
      const row = await this.db.serviceAccount.create({
        data: { id: account.id, name: account.name, isActive: account.isActive, createdAt: account.createdAt },
      });
      return toServiceAccount(row);
    } catch (err) {
      if (isNameClash(err)) throw serviceNameTaken();
      return withPrismaErrors(() => Promise.reject(err));
    }
  }

  async findByName(name: string): Promise<ServiceAccount | null> {
    const row = await withPrismaErrors(() => this.db.serviceAccount.findUnique({ where: { name } }));
    return row === null ? null : toServiceAccount(row);
  }

  async findById(id: string): Promise<ServiceAccount | null> {
    const row = await withPrismaErrors(() => this.db.serviceAccount.findUnique({ where: { id } }));
    return row === null ? null : toServiceAccount(row);
  }
}

/** A P2002 naming the name index (pg: index name; PGlite: column list; else the message). */
function isNameClash(err: unknown): boolean {
  const e = err as { code?: unknown; meta?: unknown; message?: unknown } | null;
  if (e?.code !== "P2002") return false;
  const text = JSON.stringify(e.meta ?? {}) + String(e.message ?? "");
  return text.includes("name") && !text.includes("service_accounts_pkey");
}
