/**
 * The operators' command line (scripts/admin.ts) as a real process on a real database: a
 * scratch PostgreSQL database when DATABASE__URL is set, else an embedded PGlite data directory
 * in a temporary folder. The key it prints works against a server started on that database,
 * and bad input exits 2 with one line on standard error.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceClient } from "../../src/gen/pb/auth/v1/admin_service.js";
import { ApiKeyServiceClient, OwnerType } from "../../src/gen/pb/auth/v1/api_key_service.js";
import { createEmptyPostgresDatabase } from "../support/database.js";
import { call, decodeError } from "../support/grpc.js";
import { startTestServer } from "../support/server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dbEnv: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (process.env.DATABASE__URL) {
    const scratch = await createEmptyPostgresDatabase();
    dbEnv = { DATABASE__URL: scratch.url };
    cleanup = scratch.drop;
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), "admin-cli-"));
    dbEnv = { DATABASE__DATA_DIR: path.join(dir, "pglite") };
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await cleanup?.();
});

/** `npm run admin -- ...args` as the operator types it, on the test's database. */
function admin(...args: string[]): Promise<Run> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...dbEnv };
  if (!dbEnv.DATABASE__URL) delete env.DATABASE__URL;
  return new Promise((resolve) => {
    execFile("npm", ["run", "--silent", "admin", "--", ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A server on the CLI's database (started after the CLI exited: PGlite has one process). */
async function withServer<T>(fn: (port: number, server: Awaited<ReturnType<typeof startTestServer>>) => Promise<T>): Promise<T> {
  const server = await startTestServer({ env: { ...dbEnv } });
  try {
    return await fn(server.port, server);
  } finally {
    await server.close();
  }
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

describe("npm run admin", () => {
  it("create-service-key prints a working key as its last stdout line, and nowhere else", async () => {
    const run = await admin("create-service-key", "--name", "cvmaker", "--scopes", "validate,admin");
    expect(run.code, run.stderr).toBe(0);
    const out = lines(run.stdout);
    const last = JSON.parse(out.at(-1) as string) as { id: string; key: string };
    expect(last.key).toMatch(/^sk_[0-9A-Za-z]{36}$/);
    expect(Object.keys(last)).toEqual(["id", "key"]);
    // The key (or its random part) appears in that line only.
    const secretPart = last.key.slice(3, 30);
    expect(out.slice(0, -1).join("\n")).not.toContain(secretPart);
    expect(run.stderr).not.toContain(secretPart);

    // A second key for the same service reuses its account.
    const again = await admin("create-service-key", "--name", "cvmaker");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain("created service account");
    const second = JSON.parse(lines(again.stdout).at(-1) as string) as { id: string; key: string };

    await withServer(async (port, server) => {
      const apiKeys = new ApiKeyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
      const adminClient = new AdminServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        const validated = await call(apiKeys, apiKeys.validateApiKey, { key: second.key }, { metadata: { "x-api-key": last.key } });
        expect(validated).toMatchObject({ keyId: second.id, ownerType: OwnerType.OWNER_TYPE_SERVICE, scopes: ["validate"] });
        // The admin scope opens AdminService; the default scope (validate) does not.
        await expect(
          call(adminClient, adminClient.listUsers, { query: "", pageSize: 0, pageToken: "" }, { metadata: { "x-api-key": last.key } }),
        ).resolves.toBeDefined();
        const denied = await call(
          adminClient,
          adminClient.listUsers,
          { query: "", pageSize: 0, pageToken: "" },
          { metadata: { "x-api-key": second.key } },
        ).catch(decodeError);
        expect(denied).toMatchObject({ reason: "PERMISSION_DENIED" });
        // No log line of the server carries a key.
        expect(server.logs.join("\n")).not.toContain(last.key.slice(3, 30));
      } finally {
        apiKeys.close();
        adminClient.close();
      }
    });

    const revoked = await admin("revoke-service-key", "--id", second.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    await withServer(async (port) => {
      const apiKeys = new ApiKeyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        const failed = await call(apiKeys, apiKeys.validateApiKey, { key: second.key }, { metadata: { "x-api-key": last.key } }).catch(decodeError);
        expect(failed).toMatchObject({ reason: "API_KEY_INVALID" });
      } finally {
        apiKeys.close();
      }
    });
  }, 120_000);

  it("grant-admin gives a user the admin role, by username or id", async () => {
    const userId = await withServer(async (_port, server) => {
      const out = await server.app.useCases.register.execute(
        { username: "Opal", password: "a long enough password 42", email: "opal@example.com", phone: "", fullName: "", deviceName: "" },
        { requestId: "r", ipAddress: "127.0.0.1", userAgent: "t" },
      );
      return out.user.id;
    });
    const byName = await admin("grant-admin", "--user", "opal");
    expect(byName.code, byName.stderr).toBe(0);
    const byId = await admin("grant-admin", "--user", userId);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toContain("admin already");
    await withServer(async (_port, server) => {
      expect((await server.app.useCases.getUser.execute({ userId })).user.roles).toContain("admin");
    });
    const unknown = await admin("grant-admin", "--user", "nobody-at-all");
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr)).toHaveLength(1);
  }, 120_000);

  it.each([
    [["create-service-key", "--nmae", "x"], "unknown flag"],
    [["create-service-key", "--name"], "needs a value"],
    [["create-service-key"], "needs --name"],
    [["create-service-key", "--name", "x", "--scopes", "validate,root"], "unknown scope"],
    [["make-coffee"], "unknown command"],
    [[], "unknown command"],
  ])(
    "bad input %j exits 2 with one line on stderr",
    async (args, says) => {
      const run = await admin(...args);
      expect(run.code).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toContain(says);
      expect(run.stdout).toBe("");
    },
    60_000,
  );
});
