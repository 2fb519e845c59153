/**
 * Bulk-seeds users straight into a migrated database with INSERT ... SELECT generate_series (not
 * through the API): usernames seed_<n>, emails seed_<n>@example.com, and one valid argon2id
 * hash (of `password`, at the service's cost) reused by every row, so any of them can log in.
 *
 *   npx tsx bench/seed-users.ts postgresql://postgres@127.0.0.1:5432/<db> 1000000
 */
import { pathToFileURL } from "node:url";
import pg from "pg";
import { Argon2Hasher, type Argon2Options } from "../src/adapters/crypto/argon2-hasher.js";
import { loadConfig } from "../src/config.js";
import { PASSWORD } from "../test/support/fixtures.js";

export const SEED_PREFIX = "seed_";

/** One batch per statement: each commits on its own and shows progress. */
const BATCH = 250_000;

export interface SeedResult {
  users: number;
  seconds: number;
}

export function seededUsername(n: number): string {
  return `${SEED_PREFIX}${n}`;
}

/** Users seed_1 .. seed_<count> with `passwordHash`; then ANALYZE, so the planner knows the table's size. */
export async function seedUsers(databaseUrl: string, count: number, passwordHash: string, onProgress?: (done: number) => void): Promise<SeedResult> {
  const client = new pg.Client({ connectionString: databaseUrl, options: "-c TimeZone=UTC" });
  await client.connect();
  const started = Date.now();
  try {
    for (let from = 1; from <= count; from += BATCH) {
      const to = Math.min(count, from + BATCH - 1);
      await client.query(
        `INSERT INTO users (id, username, username_normalized, email, password_hash, created_at, updated_at)
         SELECT gen_random_uuid(), $1 || g, $1 || g, $1 || g || '@example.com', $2, now(), now()
         FROM generate_series($3::int, $4::int) AS g`,
        [SEED_PREFIX, passwordHash, from, to],
      );
      onProgress?.(to);
    }
    await client.query("ANALYZE users");
  } finally {
    await client.end();
  }
  return { users: count, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** The hash every seeded user gets: `password` under the configured argon2id parameters. */
export function seedHash(argon2: Argon2Options, password = PASSWORD): Promise<string> {
  return new Argon2Hasher(argon2).hash(password);
}

export function argon2FromConfig(env: Record<string, string | undefined> = process.env): Argon2Options {
  const { crypto } = loadConfig(env);
  return { memoryCost: crypto.argon2MemoryKib, timeCost: crypto.argon2Iterations, parallelism: crypto.argon2Parallelism, pepper: crypto.passwordSalt };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, raw] = process.argv.slice(2);
  const count = Number(raw);
  if (!url || !Number.isInteger(count) || count < 1) {
    console.error("usage: tsx bench/seed-users.ts <database url> <count>");
    process.exit(2);
  }
  const result = await seedUsers(url, count, await seedHash(argon2FromConfig()), (done) => console.error(`seeded ${done}`));
  console.log(`seeded ${result.users} users in ${result.seconds} s`);
}
