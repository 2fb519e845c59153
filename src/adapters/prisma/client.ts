// Opens the service's database: a PostgreSQL server when a URL is configured, otherwise an
// embedded PGlite (PostgreSQL compiled to WebAssembly, running in this process) so the
// service runs with no database server at all. Both speak the same SQL, so one schema, one
// set of migrations and one generated client serve both.
//
// openDatabase applies pending migrations before it returns: a fresh data directory or a
// fresh database becomes usable in one call, and several instances starting at once are
// serialised by the migration lock (see migrate.ts).
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../gen/prisma/client.js";
import { applyMigrations, pgExecutor, pgliteExecutor } from "./migrate.js";

export interface Database {
  prisma: PrismaClient;
  kind: "postgres" | "pglite";
  /** The PostgreSQL pool under the client (null on PGlite), for the few reads that skip Prisma. */
  pool: pg.Pool | null;
  /** Round trip through the client and the driver; rejects when the database is unreachable. */
  ping(): Promise<void>;
  /** Disconnects the client, then ends the pool or shuts PGlite down (flushing its files). */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL; when absent the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory (created if missing), or "memory://" for a throw-away database. */
  dataDir: string;
  /** Most connections the PostgreSQL pool opens. PGlite has exactly one whatever this says. */
  poolSize: number;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts.poolSize) : openPglite(opts.dataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: Math.max(1, poolSize),
    // pg waits forever for a connection by default (bounded only by the OS TCP timeout, minutes);
    // an unreachable database should fail start-up and readiness checks quickly instead.
    connectionTimeoutMillis: 10_000,
    // Prisma's pg adapter sends Dates as UTC text without an offset: a session time zone other
    // than UTC would shift every stored timestamp as seen from SQL (now(), other readers).
    options: "-c TimeZone=UTC",
  });
  // An idle pooled connection that breaks (server restart, network cut) makes the pool emit
  // "error"; with no listener that would crash the process. The pool already drops the
  // broken client and the next query opens a new one, so there is nothing else to do.
  pool.on("error", () => {});

  try {
    // The advisory lock and each migration's transaction need one session: check one out.
    const conn = await pool.connect();
    try {
      await applyMigrations(pgExecutor(conn));
    } finally {
      conn.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }

  // We own the pool, so we end it in close(); the adapter leaves an external pool alone.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    kind: "postgres",
    pool,
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: async () => {
      // Idempotent: shutdown paths and test teardown may both close.
      if (pool.ended) return;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith("memory://");
  let dir = dataDir;
  if (!inMemory) {
    dir = path.resolve(dataDir);
    await mkdir(dir, { recursive: true });
  }
  // Loaded only here: a service on PostgreSQL never loads PGlite's WebAssembly build (tens of MB
  // of memory) nor its Prisma adapter.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import("@electric-sql/pglite"), import("pglite-prisma-adapter")]);
  const db = await PGlite.create(dir);

  try {
    // Migrations run before the Prisma client exists, so nothing competes for PGlite's
    // single connection while their transactions are open.
    await applyMigrations(pgliteExecutor(db));
  } catch (err) {
    await db.close();
    throw err;
  }

  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  return {
    prisma,
    kind: "pglite",
    pool: null,
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: async () => {
      await prisma.$disconnect();
      // close() checkpoints and releases the data directory so another process can open it.
      if (!db.closed) await db.close();
    },
  };
}
