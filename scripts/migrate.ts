// Applies pending migrations from prisma/migrations to the database the service would use:
//
//   npx tsx scripts/migrate.ts            # DATABASE__URL (env or .env) if set, else DATABASE__DATA_DIR
//   npx tsx scripts/migrate.ts --data-dir path/to/pglite
//
// The service migrates on start-up anyway (openDatabase); this is for deploy pipelines that
// migrate as a separate step, and for preparing a database by hand. It reads the service's
// own configuration (src/config.ts) so it can never migrate a different database than the
// service would open. It does not go through openDatabase so that it needs no generated
// Prisma client, only a connection.
import "dotenv/config";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { redactUrl } from "../src/adapters/outbound/redact-url.js";
import { applyMigrations, defaultMigrationsDir, pgExecutor, pgliteExecutor } from "../src/adapters/prisma/migrate.js";
import { loadConfig } from "../src/config.js";

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const { url, dataDir: configuredDir } = loadConfig().database;
  const dataDir = path.resolve(argValue("--data-dir") ?? configuredDir);

  let applied: string[];
  if (url) {
    console.log(`migrating ${redactUrl(url)}`);
    // pg waits for a connection as long as the OS lets a TCP connect hang (minutes); a
    // pipeline step aimed at an unreachable host should fail quickly and say so.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
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
