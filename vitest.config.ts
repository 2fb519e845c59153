import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start their own server and database; two cores, so keep the
    // number of files running at once small.
    pool: "forks",
    maxWorkers: 2,
  },
});
