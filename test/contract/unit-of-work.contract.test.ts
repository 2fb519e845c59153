// The UnitOfWork contract (suites/unit-of-work.ts) on every adapter: Prisma on PGlite, on
// PostgreSQL when one is reachable, and the in-memory unit of work. Below it, what only a
// real database can show: a database that cannot be reached (closed, refusing connections,
// ending the session mid-query) surfaces as DependencyUnavailableError (UNAVAILABLE), never as
// a raw driver error. The memory unit of work's own unavailability switch is tested beside it
// (src/application/testing/memory-unit-of-work.test.ts).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnectionError, withPrismaErrors } from "../../src/adapters/prisma/errors.js";
import { PrismaUnitOfWork } from "../../src/adapters/prisma/unit-of-work.js";
import { DependencyUnavailableError } from "../../src/domain/errors.js";
import { PrismaClient } from "../../src/gen/prisma/client.js";
import { createTestDatabaseOf, type TestDatabase } from "../support/database.js";
import { closedPort } from "../support/net.js";
import { databases, UOW_OPTIONS as OPTIONS, repositoryAdapters } from "./adapters.js";
import { describeUnitOfWorkContract, newUser, register, rejectionOf } from "./suites/unit-of-work.js";

for (const { name, make } of repositoryAdapters) describeUnitOfWorkContract(name, make);

describe.each(databases)("PrismaUnitOfWork on %s", (kind) => {
  describe("after the database is closed", () => {
    let closed: TestDatabase;
    let closedUow: PrismaUnitOfWork;

    beforeAll(async () => {
      closed = await createTestDatabaseOf(kind);
      closedUow = new PrismaUnitOfWork(closed.db.prisma, OPTIONS);
      await closedUow.users.create(newUser());
      await closed.db.close();
    });

    afterAll(async () => {
      // drop() closes again; pg's pool refuses a second end() (PGlite does not mind). The
      // scratch database is dropped in drop()'s finally either way.
      await closed?.drop().catch((err: unknown) => {
        if (!(err instanceof Error && /end on pool more than once/.test(err.message))) throw err;
      });
    });

    it("raises DependencyUnavailableError from a repository", async () => {
      const err = await rejectionOf(closedUow.users.findById(uuidv7()));
      expect(err).toBeInstanceOf(DependencyUnavailableError);
      expect((err as DependencyUnavailableError).dependency).toBe("database");
      // What the driver says after close: not a socket error, but still "cannot reach".
      const cause = (err as Error).cause as Error;
      expect(cause.message).toMatch(kind === "pglite" ? /PGlite is closed/ : /Cannot use a pool after calling end/);
      expect(isConnectionError(cause)).toBe(true);
    });

    it("raises DependencyUnavailableError from a transaction", async () => {
      const err = await rejectionOf(closedUow.transaction((tx) => register(tx, newUser())));
      expect(err).toBeInstanceOf(DependencyUnavailableError);
    });
  });
});

describe.runIf(databases.includes("postgres"))("Prisma on an unreachable PostgreSQL", () => {
  it("raises DependencyUnavailableError when the server refuses connections (P1001)", async () => {
    const pool = new pg.Pool({ host: "127.0.0.1", port: await closedPort(), user: "postgres", connectionTimeoutMillis: 2_000 });
    pool.on("error", () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    try {
      const uow = new PrismaUnitOfWork(prisma, OPTIONS);
      const err = await rejectionOf(uow.users.findById(uuidv7()));
      expect(err).toBeInstanceOf(DependencyUnavailableError);
      expect(((err as Error).cause as { code?: string }).code).toBe("P1001");
      expect(await rejectionOf(uow.transaction((tx) => tx.users.findById(uuidv7())))).toBeInstanceOf(DependencyUnavailableError);
    } finally {
      await prisma.$disconnect();
      await pool.end();
    }
  });

  it("raises DependencyUnavailableError when the server ends the session mid-query (57P01)", async () => {
    const testDb = await createTestDatabaseOf("postgres");
    try {
      const prisma = testDb.db.prisma;
      const tag = `probe_${uuidv7().replace(/-/g, "")}`;
      const running = rejectionOf(withPrismaErrors(() => prisma.$queryRawUnsafe(`SELECT pg_sleep(10) AS ${tag}`)));
      // What a failover or an administrator's restart does to an open session.
      const admin = new pg.Client({ connectionString: testDb.url });
      await admin.connect();
      try {
        for (let i = 0; i < 100; i++) {
          const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()", [
            `%AS ${tag}%`,
          ]);
          if (rowCount) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await admin.end();
      }
      expect(await running).toBeInstanceOf(DependencyUnavailableError);
    } finally {
      await testDb.drop();
    }
  });
});
