import { describe, expect, it } from "vitest";
import { apiKeySetup } from "../../../test/support/api-keys-kit.js";
import { parseApiKey, START_LENGTH } from "../../domain/api-key-format.js";
import { CreateApiKey } from "./create-api-key.js";
import { hashApiKey } from "./key-secret.js";
import { VerifyApiKey } from "./verify-api-key.js";

describe("CreateApiKey", () => {
  it("returns the secret once, stores only its SHA-256 and start, audits id and start (never the key)", async () => {
    const { uow, deps, user, principal, ctx } = await apiKeySetup();
    const expireTime = new Date(deps.clock.now().getTime() + 86_400_000);
    const { apiKey, secret } = await new CreateApiKey(deps).execute(
      { name: "  CI deploy ", scopes: ["cv:read", "cv:read", "jobs"], expireTime },
      principal,
      ctx,
    );
    expect(parseApiKey(secret)).toBe("user");
    expect(apiKey).toMatchObject({
      name: "CI deploy",
      start: secret.slice(0, START_LENGTH),
      keyHash: hashApiKey(secret),
      scopes: ["cv:read", "jobs"],
      expiresAt: expireTime,
    });
    const rows = await uow.rows();
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(START_LENGTH));
    expect(rows.auditEvents).toEqual([
      expect.objectContaining({
        type: "api_key.created",
        userId: user.id,
        sessionId: principal.sessionId,
        metadata: { keyId: apiKey.id, start: apiKey.start },
      }),
    ]);
    expect(await new VerifyApiKey(deps).execute(secret)).toMatchObject({ keyId: apiKey.id, owner: { type: "user", userId: user.id } });
  });

  it("two keys never share a secret", async () => {
    const { deps, principal, ctx } = await apiKeySetup();
    const create = new CreateApiKey(deps);
    const a = await create.execute({ name: "a", scopes: [] }, principal, ctx);
    const b = await create.execute({ name: "b", scopes: [] }, principal, ctx);
    expect(a.secret).not.toBe(b.secret);
  });

  it.each([
    [{ name: "", scopes: [] }, "name", "is required"],
    [{ name: "x".repeat(101), scopes: [] }, "name", "must be at most 100 characters"],
    [{ name: "bad\u0007bell", scopes: [] }, "name", "must be printable characters"],
    [{ name: "k", scopes: ["Upper"] }, "scopes", "each must be 1-64 of a-z, 0-9, ':', '.', '_', '-'"],
    [{ name: "k", scopes: ["s".repeat(65)] }, "scopes", "each must be 1-64 of a-z, 0-9, ':', '.', '_', '-'"],
    [{ name: "k", scopes: Array.from({ length: 21 }, (_, i) => `s${i}`) }, "scopes", "must be at most 20"],
  ])("%j is VALIDATION_FAILED on %s", async (input, field, description) => {
    const { uow, deps, principal, ctx } = await apiKeySetup();
    await expect(new CreateApiKey(deps).execute(input, principal, ctx)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field, description }],
    });
    expect((await uow.rows()).apiKeys).toEqual([]);
  });

  it("an expire_time not in the future is VALIDATION_FAILED", async () => {
    const { deps, principal, ctx } = await apiKeySetup();
    await expect(new CreateApiKey(deps).execute({ name: "k", scopes: [], expireTime: deps.clock.now() }, principal, ctx)).rejects.toMatchObject({
      fieldViolations: [{ field: "expire_time", description: "must be in the future" }],
    });
  });

  it("a deactivated account gets no key", async () => {
    const { uow, deps, user, principal, ctx } = await apiKeySetup();
    await uow.users.update(user.id, { isActive: false, updatedAt: deps.clock.now() });
    await expect(new CreateApiKey(deps).execute({ name: "k", scopes: [] }, principal, ctx)).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
    expect((await uow.rows()).apiKeys).toEqual([]);
  });
});
