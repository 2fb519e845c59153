// Throw-away databases for tests, of either kind the service supports.
//
// Contract tests loop over `databaseKinds()` so every repository runs against both the
// embedded PGlite and a real PostgreSQL whenever one is reachable (CI and dev machines here
// have one on 127.0.0.1:5432; a laptop without one still runs the PGlite half). A server
// named by DATABASE__URL is not optional: when it does not answer, databaseKinds() throws, so
// the PostgreSQL half of the suite fails loudly instead of being skipped.
//
// PostgreSQL databases are created per test file/suite (`auth_test_<random>`) on the server
// named by DATABASE__URL, so parallel test workers never share tables, and are dropped
// WITH (FORCE) so a leaked connection cannot keep one alive.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { redactUrl } from "../../src/adapters/outbound/redact-url.js";
import { type Database, openDatabase } from "../../src/adapters/prisma/client.js";

export type DatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  db: Database;
  /** Connection URL of the created PostgreSQL database; undefined for PGlite. */
  url?: string;
  /** Closes the database and, for PostgreSQL, drops it. */
  drop(): Promise<void>;
}

/** Server probed when DATABASE__URL is unset: the local PostgreSQL of dev machines and CI. */
const FALLBACK_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";
const PROBE_TIMEOUT_MS = 500;
/** A configured server gets time to answer (CI under load); the local fallback is only a guess. */
const CONFIGURED_PROBE_TIMEOUT_MS = 5_000;

function serverUrl(): string {
  return process.env.DATABASE__URL ?? FALLBACK_SERVER_URL;
}

/** The same server URL pointing at another database. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl(), connectionTimeoutMillis: timeoutMs });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let probed: Promise<unknown> | undefined;

/** Why no PostgreSQL answers at DATABASE__URL (or the local default), or null when one does; probed once. */
function probePostgres(): Promise<unknown> {
  const timeoutMs = process.env.DATABASE__URL ? CONFIGURED_PROBE_TIMEOUT_MS : PROBE_TIMEOUT_MS;
  probed ??= withAdminClient((c) => c.query("SELECT 1"), timeoutMs).then(
    () => null,
    (error: unknown) => error ?? new Error("probe failed"),
  );
  return probed;
}

/**
 * ['pglite'], plus 'postgres' when a server is reachable. Throws when DATABASE__URL is set
 * and its server does not answer: the caller asked for PostgreSQL, and skipping its half of
 * the suite would pass a run that tested nothing there.
 */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  const failure = await probePostgres();
  if (failure === null) return ["pglite", "postgres"];
  const configured = process.env.DATABASE__URL;
  if (configured) {
    // A refused connect to a host name is an AggregateError with an empty message but a code.
    const reason = failure instanceof Error ? failure.message || String((failure as { code?: unknown }).code ?? failure.name) : String(failure);
    throw new Error(`DATABASE__URL is set (${redactUrl(configured)}) but PostgreSQL does not answer there: ${reason}`, {
      cause: failure,
    });
  }
  return ["pglite"];
}

/**
 * An empty PostgreSQL database (no migrations applied) on the test server, for tests of the
 * migration machinery itself. `drop()` removes it.
 */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  // Database names are identifiers, not parameters: keep this one strictly [a-z0-9_].
  const name = `auth_test_${randomBytes(6).toString("hex")}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabaseName(serverUrl(), name),
    drop: async () => {
      await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A migrated, empty database of the given kind. */
export async function createTestDatabaseOf(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await openDatabase({ dataDir: "memory://", poolSize: 1 });
    return { db, drop: () => db.close() };
  }
  const scratch = await createEmptyPostgresDatabase();
  let db: Database;
  try {
    db = await openDatabase({ url: scratch.url, dataDir: "memory://", poolSize: 4 });
  } catch (err) {
    await scratch.drop();
    throw err;
  }
  return {
    db,
    url: scratch.url,
    drop: async () => {
      try {
        await db.close();
      } finally {
        await scratch.drop();
      }
    },
  };
}

/** PostgreSQL when DATABASE__URL is set, otherwise an in-memory PGlite. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createTestDatabaseOf(process.env.DATABASE__URL ? "postgres" : "pglite");
}
