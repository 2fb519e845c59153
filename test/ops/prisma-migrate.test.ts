// Migrations and the Prisma adapters, on the embedded PGlite and (when reachable) PostgreSQL.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/adapters/prisma/client.js";
import { applyMigrations, checksumOf, defaultMigrationsDir, type MigrationExecutor, pgExecutor, pgliteExecutor } from "../../src/adapters/prisma/migrate.js";
import { Prisma } from "../../src/gen/prisma/client.js";
import { createEmptyPostgresDatabase, createTestDatabaseOf, type DatabaseKind, databaseKinds, type TestDatabase } from "../support/database.js";

// PGlite starts in 2-4 s on this hardware; a migration run on a fresh one takes a few more.
const SLOW = 60_000;
const kinds = await databaseKinds();
const migrationNames = (await readdir(defaultMigrationsDir, { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

/** A fresh, unmigrated database of `kind` reached through one connection. */
interface RawDatabase {
  exec: MigrationExecutor;
  /** Another connection to the same database (PostgreSQL only: PGlite has just one). */
  connect?: () => Promise<{ exec: MigrationExecutor; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function openRaw(kind: DatabaseKind): Promise<RawDatabase> {
  if (kind === "pglite") {
    const db = await PGlite.create();
    return { exec: pgliteExecutor(db), close: () => db.close() };
  }
  const scratch = await createEmptyPostgresDatabase();
  const connect = async () => {
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    return { exec: pgExecutor(client), close: () => client.end() };
  };
  const main = await connect();
  return {
    exec: main.exec,
    connect,
    close: async () => {
      await main.close();
      await scratch.drop();
    },
  };
}

async function recorded(exec: MigrationExecutor) {
  return exec.query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: unknown; logs: unknown }>(
    "SELECT migration_name, checksum, applied_steps_count, finished_at, logs FROM _prisma_migrations ORDER BY migration_name",
  );
}

/** A private copy of the migrations folder that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "auth-migrations-"));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

it("has at least the init migration and a lock file", async () => {
  expect(migrationNames.some((n) => /^\d{14}_init$/.test(n))).toBe(true);
  expect(await readFile(path.join(defaultMigrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
});

it("gives up on a lock that is never released, touching nothing (any database kind)", async () => {
  const sent: string[] = [];
  // A connection on which another session holds the lock for ever.
  const exec: MigrationExecutor = {
    exec: async (sql) => {
      sent.push(sql);
    },
    query: async <Row>(sql: string) => {
      sent.push(sql);
      return [{ locked: false }] as Row[];
    },
  };
  await expect(applyMigrations(exec, defaultMigrationsDir, { lockTimeoutMs: 200 })).rejects.toThrow(/advisory lock 72707369/);
  expect(sent.length).toBeGreaterThan(1); // it polled
  expect(sent.every((sql) => sql.includes("pg_try_advisory_lock(72707369)"))).toBe(true);
});

describe.each(kinds)("migrations on %s", (kind) => {
  let raw: RawDatabase;
  beforeAll(async () => {
    raw = await openRaw(kind);
  }, SLOW);
  afterAll(async () => {
    await raw?.close();
  });

  it(
    "applies every migration and records it as Prisma does",
    async () => {
      const { applied } = await applyMigrations(raw.exec);
      expect(applied).toEqual(migrationNames);

      const rows = await recorded(raw.exec);
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
      for (const row of rows) {
        const file = await readFile(path.join(defaultMigrationsDir, row.migration_name, "migration.sql"));
        expect(row.checksum).toBe(checksumOf(file));
        expect(row.applied_steps_count).toBe(1);
        expect(row.finished_at).not.toBeNull();
        expect(row.logs).toBeNull();
      }
      const tables = await raw.exec.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      expect(tables.map((t) => t.tablename)).toEqual(
        [
          "_prisma_migrations",
          "api_keys",
          "app_secrets",
          "audit_events",
          "catalogue_services",
          "oauth_identities",
          "otp_codes",
          "passkeys",
          "plans",
          "recovery_codes",
          "refresh_tokens",
          "service_accounts",
          "sessions",
          "signing_keys",
          "users",
        ].sort(),
      );
    },
    SLOW,
  );

  it("applies nothing the second time", async () => {
    expect(await applyMigrations(raw.exec)).toEqual({ applied: [] });
    expect(await recorded(raw.exec)).toHaveLength(migrationNames.length);
  });

  it("seeds the plans and the catalogue once; running the seed again keeps an operator's edits and adds nothing", async () => {
    const plans = () => raw.exec.query<{ code: string; name: string; daily_limit: number; unlimited: boolean }>("SELECT * FROM plans ORDER BY code");
    expect(await plans()).toEqual([
      { code: "anonym", name: "Anonymous", daily_limit: 1, unlimited: false },
      { code: "enterprise", name: "Enterprise", daily_limit: 0, unlimited: true },
      { code: "free", name: "Free", daily_limit: 50, unlimited: false },
      { code: "pro", name: "Pro", daily_limit: 1000, unlimited: false },
    ]);
    const services = await raw.exec.query<{ code: string }>("SELECT code FROM catalogue_services");
    expect(services.map((s) => s.code)).toEqual(expect.arrayContaining(["3dbinpacking", "cvmaker", "jobportal", "media_information"]));
    expect(services).toHaveLength(10);

    await raw.exec.exec("UPDATE plans SET name = 'Gratis', daily_limit = 60 WHERE code = 'free'; DELETE FROM catalogue_services WHERE code = 'ocr'");
    // The migrations again (recorded: nothing runs), then the seed statements themselves again.
    expect(await applyMigrations(raw.exec)).toEqual({ applied: [] });
    const name = migrationNames.find((n) => n.endsWith("_plans_and_catalogue"));
    if (!name) throw new Error("no plans_and_catalogue migration");
    const sql = await readFile(path.join(defaultMigrationsDir, name, "migration.sql"), "utf8");
    const seeds = sql.split(";").filter((statement) => /INSERT INTO/.test(statement));
    expect(seeds).toHaveLength(2);
    for (const statement of seeds) await raw.exec.exec(`${statement};`);

    expect((await plans()).find((p) => p.code === "free")).toEqual({ code: "free", name: "Gratis", daily_limit: 60, unlimited: false });
    expect(await plans()).toHaveLength(4);
    // A deleted row comes back only by the seed, which is what ON CONFLICT DO NOTHING does.
    expect(await raw.exec.query("SELECT code FROM catalogue_services")).toHaveLength(10);
  });

  it("refuses a migration edited after it was applied, but not a line-ending change", async () => {
    const dir = await copyOfMigrations();
    try {
      const file = path.join(dir, migrationNames[0]!, "migration.sql");
      const original = await readFile(file, "utf8");

      // git autocrlf rewrites line endings; Prisma accepts that and so must we.
      await writeFile(file, original.replace(/\n/g, "\r\n"));
      expect(await applyMigrations(raw.exec, dir)).toEqual({ applied: [] });

      await writeFile(file, `${original}\n-- sneaky edit\n`);
      await expect(applyMigrations(raw.exec, dir)).rejects.toThrow(/modified after it was applied/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rolls a failing migration back completely and records nothing", async () => {
    const dir = await copyOfMigrations();
    try {
      await mkdir(path.join(dir, "29991231235959_broken"));
      await writeFile(path.join(dir, "29991231235959_broken", "migration.sql"), 'CREATE TABLE "half_done" ("id" INT);\nSELECT * FROM "no_such_table";\n');
      await expect(applyMigrations(raw.exec, dir)).rejects.toThrow(/29991231235959_broken failed and was rolled back/);
      expect(await recorded(raw.exec)).toHaveLength(migrationNames.length);
      const halfDone = await raw.exec.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
      expect(halfDone).toHaveLength(0);
      // The lock was released: the connection can still migrate.
      expect(await applyMigrations(raw.exec)).toEqual({ applied: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(kind === "postgres")("fails within its deadline, naming the lock, while another session holds it", async () => {
    const holder = await raw.connect!();
    try {
      await holder.exec.query("SELECT pg_advisory_lock(72707369)"); // Prisma's migration lock key
      const started = Date.now();
      await expect(applyMigrations(raw.exec, defaultMigrationsDir, { lockTimeoutMs: 300 })).rejects.toThrow(
        /waiting for the migration lock \(advisory lock 72707369\)/,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await holder.close(); // ending the session releases its lock
    }
    expect(await applyMigrations(raw.exec)).toEqual({ applied: [] });
  });

  it.runIf(kind === "postgres")(
    "lets two concurrent runs both succeed while applying once",
    async () => {
      const fresh = await openRaw("postgres");
      const [a, b] = await Promise.all([fresh.connect!(), fresh.connect!()]);
      try {
        const results = await Promise.all([applyMigrations(a.exec), applyMigrations(b.exec)]);
        const applied = results.flatMap((r) => r.applied).sort();
        expect(applied).toEqual(migrationNames);
        expect(await recorded(fresh.exec)).toHaveLength(migrationNames.length);
      } finally {
        await a.close();
        await b.close();
        await fresh.close();
      }
    },
    SLOW,
  );
});

describe.each(kinds)("generated client on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabaseOf(kind);
  }, SLOW);
  afterAll(async () => {
    await t?.drop();
  });

  const newUser = (name: string) => {
    const now = new Date();
    return {
      id: uuidv7(),
      username: name,
      usernameNormalized: name.toLowerCase(),
      email: `${name.toLowerCase()}@example.test`,
      createdAt: now,
      updatedAt: now,
    };
  };

  it("pings", async () => {
    expect(t.db.kind).toBe(kind);
    await expect(t.db.ping()).resolves.toBeUndefined();
  });

  it("round-trips a user and its dependants", async () => {
    const { prisma } = t.db;
    const input = { ...newUser("Alice"), roles: ["admin", "support"], phone: "+15551234567" };
    await prisma.user.create({ data: input });

    const user = await prisma.user.findUniqueOrThrow({ where: { usernameNormalized: "alice" } });
    expect(user).toMatchObject({ ...input, fullName: "", plan: "free", isActive: true, mfaEnabled: false, deletedAt: null });
    expect(user.createdAt.getTime()).toBe(input.createdAt.getTime()); // millisecond precision kept

    const now = new Date();
    const session = await prisma.session.create({
      data: { id: uuidv7(), userId: user.id, authMethod: "password", createdAt: now, lastUsedAt: now, expiresAt: new Date(now.getTime() + 3_600_000) },
    });
    const sealed = new Uint8Array([0, 1, 2, 254, 255]);
    await prisma.refreshToken.create({
      data: { id: uuidv7(), sessionId: session.id, tokenHash: "ab".repeat(32), generation: 0, createdAt: now, expiresAt: now, successorSealed: sealed },
    });
    const token = await prisma.refreshToken.findUniqueOrThrow({ where: { tokenHash: "ab".repeat(32) } });
    expect(Array.from(token.successorSealed ?? [])).toEqual(Array.from(sealed));

    await prisma.auditEvent.create({
      data: { id: uuidv7(), userId: user.id, type: "login", outcome: "success", metadata: { mfa: false, n: 1 }, createdAt: now },
    });
    await prisma.signingKey.create({
      data: { kid: "k1", algorithm: "EdDSA", publicJwk: { kty: "OKP", crv: "Ed25519", x: "abc" }, privateKey: "enc:v1:xyz", createdAt: now, activatesAt: now },
    });
    expect((await prisma.signingKey.findUniqueOrThrow({ where: { kid: "k1" } })).publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: "abc" });

    // Deleting the user cascades to sessions and tokens, and detaches (keeps) audit events.
    await prisma.user.delete({ where: { id: user.id } });
    expect(await prisma.session.count()).toBe(0);
    expect(await prisma.refreshToken.count()).toBe(0);
    expect(await prisma.auditEvent.findMany()).toMatchObject([{ userId: null, type: "login", metadata: { mfa: false, n: 1 } }]);
  });

  it("reports a duplicate normalized username as P2002", async () => {
    const { prisma } = t.db;
    await prisma.user.create({ data: newUser("Bob") });
    const dup = { ...newUser("BOB"), email: null };
    const err = await prisma.user.create({ data: dup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((err as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
  });
});

describe("embedded PGlite data directory", () => {
  it(
    "is created, migrated, and reopened with its data",
    async () => {
      const parent = await mkdtemp(path.join(tmpdir(), "auth-pglite-"));
      const dataDir = path.join(parent, "nested", "pglite");
      try {
        const first = await openDatabase({ dataDir, poolSize: 1 });
        const now = new Date();
        await first.prisma.user.create({ data: { id: uuidv7(), username: "Carol", usernameNormalized: "carol", createdAt: now, updatedAt: now } });
        await first.close();

        const second = await openDatabase({ dataDir, poolSize: 1 });
        try {
          expect(await second.prisma.user.count()).toBe(1);
        } finally {
          await second.close();
        }
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});
