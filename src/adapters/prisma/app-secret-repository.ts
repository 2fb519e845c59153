import type { PrismaClient } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";

/**
 * Server secrets made once and shared by every instance. `getOrCreate` is race-safe: the
 * primary key lets one insert win and everyone reads the winner's value.
 */
export class PrismaAppSecretRepository {
  constructor(private readonly db: PrismaClient) {}

  async getOrCreate(name: string, make: () => string, now: Date): Promise<string> {
    return withPrismaErrors(async () => {
      await this.db.appSecret.createMany({ data: [{ name, value: make(), createdAt: now }], skipDuplicates: true });
      const row = await this.db.appSecret.findUniqueOrThrow({ where: { name } });
      return row.value;
    });
  }
}
