// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
//
// The URL is read straight from the environment instead of through prisma's `env()` helper,
// which throws when the variable is unset: `prisma generate` needs no database, and neither
// does this project's own migration tooling (scripts/db-diff.ts uses an in-process shadow
// database), so an unset URL must not be an error. DATABASE__URL is the service's own
// setting (double underscore = nested config key); DATABASE_URL is the conventional name that
// other tools, and `prisma migrate deploy` run elsewhere, expect.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
  },
  datasource: {
    url: process.env.DATABASE__URL ?? process.env.DATABASE_URL,
  },
});
