import { describe, expect, it } from "vitest";
import { apiKeySetup, countLookups, storeKey } from "../../../test/support/api-keys-kit.js";
import { makeDeps, untouchableUnitOfWork } from "../../../test/support/fakes.js";
import { formatApiKey } from "../../domain/api-key-format.js";
import { hashApiKey } from "./key-secret.js";
import { VerifyApiKey } from "./verify-api-key.js";

const INVALID = { reason: "API_KEY_INVALID", message: "The API key is invalid" };

describe("VerifyApiKey", () => {
  it("answers owner, scopes, plan (the user's, `free` by default) and expiry for a usable user key", async () => {
    const { deps, user } = await apiKeySetup();
    const expiresAt = new Date(deps.clock.now().getTime() + 3_600_000);
    const { id, secret } = await storeKey(deps, { type: "user", userId: user.id }, { scopes: ["cv:read"], expiresAt });
    expect(await new VerifyApiKey(deps).execute(secret)).toEqual({
      keyId: id,
      owner: { type: "user", userId: user.id },
      scopes: ["cv:read"],
      plan: "free",
      expiresAt,
    });
  });

  it("a service key answers the service as owner and an empty plan", async () => {
    const { uow, deps } = await apiKeySetup();
    await uow.serviceAccounts.create({ id: "00000000-0000-7000-c000-000000000001", name: "cvmaker", isActive: true, createdAt: deps.clock.now() });
    const { secret } = await storeKey(deps, { type: "service", serviceId: "00000000-0000-7000-c000-000000000001" }, { scopes: ["validate"] });
    expect(await new VerifyApiKey(deps).execute(secret)).toMatchObject({
      owner: { type: "service", serviceId: "00000000-0000-7000-c000-000000000001" },
      plan: "",
    });
  });

  it.each([
    ["a broken checksum", `${formatApiKey("user", "a".repeat(30)).slice(0, -1)}0`],
    ["a malformed string", "not-a-key"],
    ["a wrong prefix", `xk_${"a".repeat(36)}`],
    ["a key with a space", ` ${formatApiKey("user", "a".repeat(30))}`],
  ])("%s is API_KEY_INVALID without touching the database", async (_label, raw) => {
    const deps = makeDeps();
    await expect(new VerifyApiKey({ ...deps, uow: untouchableUnitOfWork }).execute(raw)).rejects.toMatchObject(INVALID);
  });

  it("unknown, revoked, expired and owner-disabled keys all get the same API_KEY_INVALID", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const verify = new VerifyApiKey(deps);
    const owner = { type: "user" as const, userId: user.id };
    await expect(verify.execute(formatApiKey("user", "b".repeat(30)))).rejects.toMatchObject(INVALID);
    const revoked = await storeKey(deps, owner);
    await uow.apiKeys.revoke(revoked.id, deps.clock.now());
    await expect(verify.execute(revoked.secret)).rejects.toMatchObject(INVALID);
    const expired = await storeKey(deps, owner, { expiresAt: new Date(deps.clock.now().getTime() + 1000) });
    deps.clock.advance(1000);
    await expect(verify.execute(expired.secret)).rejects.toMatchObject(INVALID);
    const live = await storeKey(deps, owner);
    await uow.users.update(user.id, { isActive: false, updatedAt: deps.clock.now() });
    await expect(verify.execute(live.secret)).rejects.toMatchObject(INVALID);
  });

  it("a user key stored under a service prefix mismatch is refused (ak_ belongs to users only)", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const { secret } = await storeKey(deps, { type: "user", userId: user.id });
    const sk = `sk_${secret.slice(3)}`;
    // Same random part, other prefix: its checksum differs, so it is malformed anyway.
    await expect(new VerifyApiKey(deps).execute(sk)).rejects.toMatchObject(INVALID);
    expect((await uow.rows()).apiKeys).toHaveLength(1);
  });

  it("caches a usable key for the TTL only, and checks expiry on every hit with the clock", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const lookups = countLookups(uow);
    const verify = new VerifyApiKey(deps);
    const { secret } = await storeKey(deps, { type: "user", userId: user.id }, { expiresAt: new Date(deps.clock.now().getTime() + 1500) });
    await verify.execute(secret);
    deps.clock.advance(500);
    await verify.execute(secret);
    expect(lookups.count).toBe(1);
    deps.clock.advance(500);
    await verify.execute(secret);
    expect(lookups.count).toBe(2);
    // Cached since 1000 ms, expires at 1500 ms: the hit itself refuses it.
    deps.clock.advance(500);
    await expect(verify.execute(secret)).rejects.toMatchObject(INVALID);
    expect(lookups.count).toBe(2);
  });

  it("a key evicted from the cache (revoked here) is read again at once", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const verify = new VerifyApiKey(deps);
    const { id, secret } = await storeKey(deps, { type: "user", userId: user.id });
    await verify.execute(secret);
    await uow.apiKeys.revoke(id, deps.clock.now());
    deps.apiKeyStatus.evictKeys([id]);
    await expect(verify.execute(secret)).rejects.toMatchObject(INVALID);
  });

  it("a revocation arriving while the database read is in flight keeps the read out of the cache", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const verify = new VerifyApiKey(deps);
    const { id, secret } = await storeKey(deps, { type: "user", userId: user.id });
    const original = uow.apiKeys.findByHash.bind(uow.apiKeys);
    uow.apiKeys.findByHash = async (hash) => {
      const found = await original(hash);
      deps.apiKeyStatus.evictKeys([id]);
      return found;
    };
    await verify.execute(secret);
    expect(deps.apiKeyStatus.get(hashApiKey(secret))).toBeNull();
  });

  it("concurrent misses of one key share one database read", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const lookups = countLookups(uow);
    const { secret } = await storeKey(deps, { type: "user", userId: user.id });
    const verify = new VerifyApiKey(deps);
    await Promise.all(Array.from({ length: 16 }, () => verify.execute(secret)));
    expect(lookups.count).toBe(1);
  });

  it("records the use in memory, not in the database", async () => {
    const { uow, deps, user } = await apiKeySetup();
    const { id, secret } = await storeKey(deps, { type: "user", userId: user.id });
    await new VerifyApiKey(deps).execute(secret);
    expect((await uow.apiKeys.findById(id))?.lastUsedAt).toBeNull();
    expect(await deps.apiKeyUsage.flush()).toBe(1);
  });
});
