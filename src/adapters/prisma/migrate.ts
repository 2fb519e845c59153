// Applies prisma/migrations/*/migration.sql to a database, recording each one in
// `_prisma_migrations` exactly as `prisma migrate deploy` does, so that either tool can take
// over from the other on the same database.
//
// Why not the Prisma CLI: it needs the native schema engine, which is a separate download
// (impossible offline, and a large binary to ship); applying SQL files in order is simple
// enough to do here, and it lets the service migrate an embedded PGlite database too.
//
// Compatibility details copied from Prisma's schema engine:
// - the table definition below is Prisma's own;
// - the lock is the session advisory lock 72707369, the key Prisma uses, so this and a
//   concurrent `prisma migrate deploy` exclude each other as well as two service instances
//   do. It is taken with pg_try_advisory_lock in a loop up to a deadline rather than with the
//   blocking pg_advisory_lock: a holder that never lets go (a hung migration, a session left
//   open in psql) must fail the start-up with a message naming the lock, not hang it;
// - checksum = hex SHA-256 of the file's bytes; a file that differs from the recorded
//   checksum only by CRLF/LF line endings (git autocrlf) still matches, as in Prisma;
// - a migration counts as applied when finished_at is set and rolled_back_at is not; a row
//   with neither is a failed migration that Prisma refuses to build on (P3009), and so do we.
// One difference: each migration runs in a transaction together with its bookkeeping row, so
// a failure leaves no trace to clean up (PostgreSQL DDL is transactional); Prisma instead
// leaves a failed row that needs `prisma migrate resolve`. A hand-written migration must
// therefore not contain its own BEGIN/COMMIT nor statements that refuse to run inside a
// transaction (CREATE INDEX CONCURRENTLY); Prisma's generated SQL never does.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * One database connection able to run SQL. All calls must go to the same session: the
 * advisory lock and the transactions belong to it. Build one with `pgExecutor` (a `pg`
 * Client or a client checked out of a Pool) or `pgliteExecutor`.
 */
export interface MigrationExecutor {
  /** Runs a script of any number of statements, without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs one statement with $1.. parameters and returns its rows. */
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** Structural subset of pg.Client / pg.PoolClient, to keep `pg` out of this module's imports. */
interface PgLikeClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Structural subset of PGlite. */
interface PGliteLike {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export function pgExecutor(client: PgLikeClient): MigrationExecutor {
  return {
    // Without parameters pg uses the simple query protocol, which accepts many statements.
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as Row[],
  };
}

export function pgliteExecutor(db: PGliteLike): MigrationExecutor {
  return {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as Row[],
  };
}

/** <repo>/prisma/migrations, found from this file so it works from any working directory. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

const PRISMA_MIGRATE_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

export function checksumOf(script: string | Buffer): string {
  return createHash("sha256").update(script).digest("hex");
}

function matchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")];
  return variants.some((v) => checksumOf(v) === checksum);
}

/** Folders with a migration.sql, in name (= timestamp) order, as Prisma reads them. */
async function readMigrations(dir: string): Promise<MigrationFile[]> {
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name, "migration.sql");
    if (!existsSync(file)) continue;
    const bytes = await readFile(file);
    files.push({ name, script: bytes.toString("utf8"), checksum: checksumOf(bytes) });
  }
  return files;
}

export interface ApplyMigrationsOptions {
  /** Longest to wait for another migrator to release the lock before failing (default 60 s). */
  lockTimeoutMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
/** Polling cap: a waiting instance notices a released lock within this, and costs little. */
const LOCK_POLL_MAX_MS = 500;

/** Takes the migration lock, or throws naming it once `timeoutMs` has passed. */
async function acquireLock(exec: MigrationExecutor, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 25; ; delay = Math.min(delay * 2, LOCK_POLL_MAX_MS)) {
    const [row] = await exec.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY}) AS locked`);
    if (row?.locked === true) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for the migration lock (advisory lock ${PRISMA_MIGRATE_LOCK_KEY}); ` +
          "another migration (a service instance or `prisma migrate deploy`) holds it: " +
          `find the session with \`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ${PRISMA_MIGRATE_LOCK_KEY}\``,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}

/**
 * Brings the database up to date with the migrations folder. Safe to call on every start:
 * it applies nothing when all migrations are in, and concurrent callers wait on the lock
 * (bounded by `lockTimeoutMs`), then find the work done.
 */
export async function applyMigrations(
  exec: MigrationExecutor,
  migrationsDir: string = defaultMigrationsDir,
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const files = await readMigrations(migrationsDir);
  const applied: string[] = [];

  await acquireLock(exec, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  try {
    await exec.exec(CREATE_MIGRATIONS_TABLE);
    // Read under the lock: another process may have just finished migrating.
    const rows = await exec.query<MigrationRow>("SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at");

    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new Error(
        `migration ${failed.migration_name} failed earlier and is not resolved; ` +
          `fix the database, then run \`prisma migrate resolve --rolled-back ${failed.migration_name}\` ` +
          `(or --applied) before migrating again`,
      );
    }

    const done = new Map<string, MigrationRow>();
    for (const r of rows) if (r.finished_at !== null && r.rolled_back_at === null) done.set(r.migration_name, r);

    // Check every applied migration before running anything: an edited migration means the
    // database was not built from these files, and building on it would hide that.
    for (const file of files) {
      const row = done.get(file.name);
      if (row && !matchesChecksum(file.script, row.checksum)) {
        throw new Error(
          `migration ${file.name} was modified after it was applied ` +
            `(database checksum ${row.checksum}, file checksum ${file.checksum}); ` +
            `restore the original file and put the change in a new migration`,
        );
      }
    }

    for (const file of files) {
      if (done.has(file.name)) continue;
      await applyOne(exec, file);
      applied.push(file.name);
    }
  } finally {
    await exec.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK_KEY})`);
  }
  return { applied };
}

async function applyOne(exec: MigrationExecutor, file: MigrationFile): Promise<void> {
  await exec.exec("BEGIN");
  try {
    const id = randomUUID();
    await exec.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, file.checksum, file.name],
    );
    await exec.exec(file.script);
    // clock_timestamp(), not now(): now() is frozen at the start of the transaction.
    await exec.query("UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1", [id]);
    await exec.exec("COMMIT");
  } catch (err) {
    await exec.exec("ROLLBACK").catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`migration ${file.name} failed and was rolled back: ${reason}`, { cause: err });
  }
}
