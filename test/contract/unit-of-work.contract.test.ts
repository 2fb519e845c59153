// The UnitOfWork contract, run against Prisma on every database kind available: what a
// transaction writes commits together or not at all, and a database that cannot be reached
// surfaces as DependencyUnavailableError (UNAVAILABLE), never as a raw driver error.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnectionError, withPrismaErrors } from "../../src/adapters/prisma/errors.js";
import { PrismaUnitOfWork } from "../../src/adapters/prisma/unit-of-work.js";
import type { AuditRecord } from "../../src/application/ports/audit.js";
import type { Repositories } from "../../src/application/ports/unit-of-work.js";
import type { NewUser } from "../../src/application/ports/users.js";
import { DependencyUnavailableError, DomainError } from "../../src/domain/errors.js";
import { PrismaClient } from "../../src/gen/prisma/client.js";
import { databaseKinds, createTestDatabaseOf, type TestDatabase } from "../support/database.js";
import { closedPort } from "../support/net.js";
import { newUserRecord } from "../support/users.js";

const kinds = await databaseKinds();

const T0 = new Date("2024-05-01T10:00:00.000Z");
const OPTIONS = { transactionTimeoutMs: 5_000 };

const newUser = (overrides: Partial<NewUser> = {}): NewUser => newUserRecord(T0, overrides);

function registered(userId: string): AuditRecord {
  return {
    id: uuidv7(),
    userId,
    type: "user.registered",
    outcome: "success",
    ipAddress: "",
    userAgent: "",
    requestId: "req-1",
    sessionId: null,
    metadata: {},
    createdAt: T0,
  };
}

/** What a registration writes: the user and its audit event, through the given repositories. */
async function register(repos: Repositories, user: NewUser): Promise<void> {
  await repos.users.create(user);
  await repos.audit.record(registered(user.id));
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe.each(kinds)("PrismaUnitOfWork on %s", (kind) => {
  let testDb: TestDatabase;
  let uow: PrismaUnitOfWork;

  beforeAll(async () => {
    testDb = await createTestDatabaseOf(kind);
    uow = new PrismaUnitOfWork(testDb.db.prisma, OPTIONS);
  });

  afterAll(async () => {
    await testDb?.drop();
  });

  it("commits everything the transaction wrote and returns fn's value", async () => {
    const user = newUser();
    const result = await uow.transaction(async (tx) => {
      await register(tx, user);
      // The transaction sees its own writes before commit.
      return (await tx.users.findById(user.id))?.id;
    });
    expect(result).toBe(user.id);
    expect(await uow.users.findById(user.id)).not.toBeNull();
    expect(await uow.audit.listForUser(user.id, { limit: 10 })).toHaveLength(1);
  });

  it("leaves no row behind when fn throws, and rethrows fn's error unchanged", async () => {
    const user = newUser();
    const boom = new Error("boom after writing");
    const err = await rejectionOf(
      uow.transaction(async (tx) => {
        await register(tx, user);
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(await uow.users.findById(user.id)).toBeNull();
    expect(await uow.audit.listForUser(user.id, { limit: 10 })).toEqual([]);
    expect(await testDb.db.prisma.auditEvent.count({ where: { userId: user.id } })).toBe(0);
  });

  it("rolls back and surfaces USER_ALREADY_EXISTS when a write inside clashes", async () => {
    const taken = newUser();
    await uow.users.create(taken);
    const user = newUser({ email: taken.email });
    const err = await rejectionOf(
      uow.transaction(async (tx) => {
        await tx.audit.record(registered(taken.id));
        await tx.users.create(user);
      }),
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).fieldViolations[0]?.field).toBe("email");
    expect(await uow.audit.listForUser(taken.id, { limit: 10 })).toEqual([]);
  });

  it("rolls back a raw revoke-all together with the rest of the transaction", async () => {
    const user = newUser();
    await uow.users.create(user);
    const session = {
      id: uuidv7(),
      userId: user.id,
      deviceName: "",
      userAgent: "",
      ipAddress: "",
      authMethod: "password",
      createdAt: T0,
      expiresAt: new Date(T0.getTime() + 3_600_000),
    };
    await uow.sessions.create(session);
    const boom = new Error("boom after revoking");
    const err = await rejectionOf(
      uow.transaction(async (tx) => {
        expect(await tx.sessions.revokeAllForUser(user.id, "password_changed", T0)).toEqual([session.id]);
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect((await uow.sessions.findById(session.id))?.revokedAt).toBeNull();
    expect(await uow.transaction((tx) => tx.sessions.revokeAllForUser(user.id, "password_changed", T0))).toEqual([
      session.id,
    ]);
  });

  it("runs simultaneous transactions to completion (PGlite queues them on its one connection)", async () => {
    const users = Array.from({ length: 5 }, () => newUser());
    await Promise.all(users.map((u) => uow.transaction((tx) => register(tx, u))));
    for (const u of users) expect(await uow.users.findById(u.id)).not.toBeNull();
  });

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

describe.runIf(kinds.includes("postgres"))("Prisma on an unreachable PostgreSQL", () => {
  it("raises DependencyUnavailableError when the server refuses connections (P1001)", async () => {
    const pool = new pg.Pool({ host: "127.0.0.1", port: await closedPort(), user: "postgres", connectionTimeoutMillis: 2_000 });
    pool.on("error", () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    try {
      const uow = new PrismaUnitOfWork(prisma, OPTIONS);
      const err = await rejectionOf(uow.users.findById(uuidv7()));
      expect(err).toBeInstanceOf(DependencyUnavailableError);
      expect(((err as Error).cause as { code?: string }).code).toBe("P1001");
      expect(await rejectionOf(uow.transaction((tx) => tx.users.findById(uuidv7())))).toBeInstanceOf(
        DependencyUnavailableError,
      );
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
          const { rowCount } = await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
            [`%AS ${tag}%`],
          );
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
