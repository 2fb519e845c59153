// The adapters every repository contract suite runs against, and the per-database setup the
// Prisma-only cases share. PGlite always; PostgreSQL when a server answers (databaseKinds():
// a DATABASE__URL that does not answer fails the run instead of skipping); the in-memory unit
// of work of src/application/testing always.
import { afterAll, beforeAll, describe } from "vitest";
import { PrismaUnitOfWork } from "../../src/adapters/prisma/unit-of-work.js";
import { createMemoryUnitOfWork } from "../../src/application/testing/memory-unit-of-work.js";
import { createTestDatabaseOf, type DatabaseKind, databaseKinds, type TestDatabase } from "../support/database.js";
import type { MakeRepositories } from "./suites/harness.js";

export const databases: DatabaseKind[] = await databaseKinds();

/** What PrismaUnitOfWork is given in the contracts. */
export const UOW_OPTIONS = { transactionTimeoutMs: 5_000 };

/** A migrated, empty database of `kind` behind PrismaUnitOfWork; the probe reads its tables. */
export function prismaRepositories(kind: DatabaseKind): MakeRepositories {
  return async () => {
    const testDb = await createTestDatabaseOf(kind);
    const prisma = testDb.db.prisma;
    return {
      // With the PostgreSQL pool, as the service builds it: the session-status read goes to it.
      uow: new PrismaUnitOfWork(prisma, { ...UOW_OPTIONS, pool: testDb.db.pool }),
      probe: {
        recoveryCodes: (userId) => prisma.recoveryCode.findMany({ where: { userId }, orderBy: { codeHash: "asc" }, select: { codeHash: true, usedAt: true } }),
        otpCodeCount: (userId) => prisma.otpCode.count({ where: { userId } }),
        auditEventCount: (userId) => prisma.auditEvent.count({ where: { userId } }),
        auditEventUserId: async (id) => (await prisma.auditEvent.findUnique({ where: { id } }))?.userId,
        totpLastStep: async (id) => (await prisma.user.findUniqueOrThrow({ where: { id }, select: { totpLastStep: true } })).totpLastStep,
        deleteUser: async (id) => {
          await prisma.user.delete({ where: { id } });
        },
      },
      close: () => testDb.drop(),
    };
  };
}

/** The in-memory unit of work; the probe reads its tables through its test hooks. */
export const memoryRepositories: MakeRepositories = async () => {
  const uow = createMemoryUnitOfWork();
  return {
    uow,
    probe: {
      recoveryCodes: async (userId) =>
        (await uow.rows()).recoveryCodes
          .filter((c) => c.userId === userId)
          .sort((a, b) => (a.codeHash < b.codeHash ? -1 : a.codeHash > b.codeHash ? 1 : 0))
          .map((c) => ({ codeHash: c.codeHash, usedAt: c.usedAt })),
      otpCodeCount: async (userId) => (await uow.rows()).otpCodes.filter((c) => c.userId === userId).length,
      auditEventCount: async (userId) => (await uow.rows()).auditEvents.filter((e) => e.userId === userId).length,
      auditEventUserId: async (id) => (await uow.rows()).auditEvents.find((e) => e.id === id)?.userId,
      totpLastStep: async (id) => {
        const user = (await uow.rows()).users.find((u) => u.id === id);
        if (!user) throw new Error(`No user ${id}`);
        return user.totpLastStep;
      },
      deleteUser: async (id) => {
        if (!(await uow.deleteUserRow(id))) throw new Error(`No user ${id}`);
      },
    },
    close: async () => {},
  };
};

/** Every adapter of the Repositories port, by the name its suites are titled with. */
export const repositoryAdapters: { name: string; make: MakeRepositories }[] = [
  ...databases.map((kind) => ({ name: kind, make: prismaRepositories(kind) })),
  { name: "memory", make: memoryRepositories },
];

/**
 * `describe(`${name} on <kind>`)` once per database kind, with a migrated, empty database
 * opened before and dropped after: for the cases only a real database can answer.
 */
export function describeOnEachDatabase(name: string, fn: (db: () => TestDatabase, kind: DatabaseKind) => void): void {
  describe.each(databases)(`${name} on %s`, (kind) => {
    let testDb: TestDatabase | undefined;
    beforeAll(async () => {
      testDb = await createTestDatabaseOf(kind);
    });
    afterAll(async () => {
      await testDb?.drop();
    });
    fn(() => {
      if (!testDb) throw new Error("the test database is not open yet (use it inside hooks and tests)");
      return testDb;
    }, kind);
  });
}
