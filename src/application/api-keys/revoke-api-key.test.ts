import { describe, expect, it } from "vitest";
import { apiKeySetup, storeKey } from "../../../test/support/api-keys-kit.js";
import { type recordingApiKeyRevocations, seedUser, userRecord } from "../../../test/support/fakes.js";
import { RevokeApiKey } from "./revoke-api-key.js";

async function setup() {
  const s = await apiKeySetup();
  const bob = await seedUser(
    s.uow,
    userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }),
  );
  const mine = await storeKey(s.deps, { type: "user", userId: s.user.id });
  const bobs = await storeKey(s.deps, { type: "user", userId: bob.id });
  const announced = s.deps.apiKeyRevocations as ReturnType<typeof recordingApiKeyRevocations>;
  return { ...s, mine, bobs, announced, revoke: new RevokeApiKey(s.deps) };
}

describe("RevokeApiKey", () => {
  it("revokes the caller's key, audits `api_key.revoked` and announces it after the commit", async () => {
    const { uow, deps, user, mine, announced, revoke, principal, ctx } = await setup();
    await revoke.execute({ keyId: mine.id }, principal, ctx);
    expect((await uow.apiKeys.findById(mine.id))?.revokedAt).toEqual(deps.clock.now());
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({ type: "api_key.revoked", userId: user.id, metadata: expect.objectContaining({ keyId: mine.id }) }),
    ]);
    expect(announced.keys).toEqual([[mine.id]]);
  });

  it("is idempotent for an own key: a second revoke succeeds, writes and announces nothing", async () => {
    const { uow, mine, announced, revoke, principal, ctx } = await setup();
    await revoke.execute({ keyId: mine.id }, principal, ctx);
    await revoke.execute({ keyId: mine.id }, principal, ctx);
    expect((await uow.rows()).auditEvents).toHaveLength(1);
    expect(announced.keys).toEqual([[mine.id]]);
  });

  it("another user's key and an unknown id are API_KEY_NOT_FOUND, and the key stays usable", async () => {
    const { uow, bobs, announced, revoke, principal, ctx } = await setup();
    await expect(revoke.execute({ keyId: bobs.id }, principal, ctx)).rejects.toMatchObject({ reason: "API_KEY_NOT_FOUND", message: "No such API key" });
    await expect(revoke.execute({ keyId: "00000000-0000-7000-8000-00000000ffff" }, principal, ctx)).rejects.toMatchObject({
      reason: "API_KEY_NOT_FOUND",
      message: "No such API key",
    });
    expect((await uow.apiKeys.findById(bobs.id))?.revokedAt).toBeNull();
    expect(announced.keys).toEqual([]);
  });

  it.each([
    ["", "is required"],
    ["nope", "must be an API key id (UUID)"],
  ])("key_id %j is VALIDATION_FAILED (%s)", async (keyId, description) => {
    const { revoke, principal, ctx } = await setup();
    await expect(revoke.execute({ keyId }, principal, ctx)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "key_id", description }],
    });
  });
});
