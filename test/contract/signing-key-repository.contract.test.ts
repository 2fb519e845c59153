// The SigningKeyRepository contract (suites/signing-key-repository.ts) on every adapter: Prisma
// on PGlite, on PostgreSQL when one is reachable, and the in-memory repository.
import { PrismaSigningKeyRepository } from "../../src/adapters/prisma/signing-key-repository.js";
import { createMemorySigningKeyRepository } from "../../src/application/testing/memory-signing-keys.js";
import { createTestDatabaseOf } from "../support/database.js";
import { databases } from "./adapters.js";
import { describeSigningKeyRepositoryContract } from "./suites/signing-key-repository.js";

for (const kind of databases) {
  describeSigningKeyRepositoryContract(kind, async () => {
    const testDb = await createTestDatabaseOf(kind);
    return { keys: new PrismaSigningKeyRepository(testDb.db.prisma), close: () => testDb.drop() };
  });
}

describeSigningKeyRepositoryContract("memory", async () => ({ keys: createMemorySigningKeyRepository(), close: async () => {} }));
