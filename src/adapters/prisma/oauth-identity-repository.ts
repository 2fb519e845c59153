import type { OAuthIdentity, OAuthIdentityRepository } from "../../application/ports/sign-in-methods.js";
import { DomainError } from "../../domain/errors.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { isUniqueViolation, withPrismaErrors } from "./errors.js";

export function providerAlreadyLinked(cause?: unknown): DomainError {
  return new DomainError("PROVIDER_ALREADY_LINKED", "This provider identity is already linked to an account", cause === undefined ? {} : { cause });
}

export class PrismaOAuthIdentityRepository implements OAuthIdentityRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  findBySubject(issuer: string, subject: string): Promise<OAuthIdentity | null> {
    return withPrismaErrors(() => this.db.oAuthIdentity.findUnique({ where: { issuer_subject: { issuer, subject } } }));
  }

  listForUser(userId: string): Promise<OAuthIdentity[]> {
    return withPrismaErrors(() => this.db.oAuthIdentity.findMany({ where: { userId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }));
  }

  async create(identity: OAuthIdentity): Promise<OAuthIdentity> {
    try {
      return await withPrismaErrors(() => this.db.oAuthIdentity.create({ data: identity }));
    } catch (error) {
      // (issuer, subject) or (user_id, provider): both mean the identity cannot be linked here.
      if (isUniqueViolation(error)) throw providerAlreadyLinked(error);
      throw error;
    }
  }

  async delete(userId: string, provider: string): Promise<boolean> {
    const { count } = await withPrismaErrors(() => this.db.oAuthIdentity.deleteMany({ where: { userId, provider } }));
    return count === 1;
  }

  async touch(id: string, at: Date): Promise<void> {
    await withPrismaErrors(() => this.db.oAuthIdentity.updateMany({ where: { id }, data: { lastUsedAt: at } }));
  }
}
