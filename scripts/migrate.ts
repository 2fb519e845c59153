// Applies pending migrations from prisma/migrations:
//
//   npx tsx scripts/migrate.ts            # DATABASE__URL (or DATABASE_URL) if set, else .data/pglite
//   npx tsx scripts/migrate.ts --data-dir path/to/pglite
//
// The service migrates on start-up anyway (openDatabase); this is for deploy pipelines that
// migrate as a separate step, and for preparing a database by hand. It does not go through
// openDatabase so that it needs no generated Prisma client, only a connection.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { applyMigrations, defaultMigrationsDir, pgExecutor, pgliteExecutor } from "../src/adapters/prisma/migrate.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The URL without its password, for printing. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparsable url>";
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE__URL ?? process.env.DATABASE_URL;
  const dataDir = path.resolve(argValue("--data-dir") ?? path.join(root, ".data", "pglite"));

  let applied: string[];
  if (url) {
    console.log(`migrating ${redact(url)}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      ({ applied } = await applyMigrations(pgExecutor(client), defaultMigrationsDir));
    } finally {
      await client.end();
    }
  } else {
    console.log(`migrating embedded PGlite in ${path.relative(process.cwd(), dataDir) || "."}`);
    await mkdir(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    try {
      ({ applied } = await applyMigrations(pgliteExecutor(db), defaultMigrationsDir));
    } finally {
      await db.close();
    }
  }

  if (applied.length === 0) console.log("database is up to date, nothing applied");
  for (const name of applied) console.log(`applied ${name}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
