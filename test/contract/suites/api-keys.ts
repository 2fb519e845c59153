// The ApiKeyRepository and ServiceAccountRepository contracts, for every adapter of the ports:
// findByHash answers the key with its owner's state and plan, revocation is conditional (one
// winner), touch is one batched write, and a service name is unique.
import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import type { ApiKeyOwner, NewApiKey } from "../../../src/application/ports/api-keys.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

export function describeApiKeyRepositoryContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`api keys and service accounts on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    const uow = () => subject().uow;

    async function createUser(plan = "free"): Promise<string> {
      return (await uow().users.create(newUserRecord(T0, { email: null, plan }))).id;
    }

    async function createService(name = `svc-${uuidv7()}`): Promise<string> {
      return (await uow().serviceAccounts.create({ id: uuidv7(), name, isActive: true, createdAt: T0 })).id;
    }

    function newKey(owner: ApiKeyOwner, overrides: Partial<NewApiKey> = {}): NewApiKey {
      const id = uuidv7();
      return { id, owner, name: "ci", start: "ak_abcdef", keyHash: `hash-${id}`, scopes: ["a:read", "b"], createdAt: T0, expiresAt: null, ...overrides };
    }

    it("inserts a user's key and finds it by id and by hash with the owner's state and plan", async () => {
      const userId = await createUser("pro");
      const input = newKey({ type: "user", userId }, { expiresAt: at(60) });
      const created = await uow().apiKeys.insert(input);
      expect(created).toEqual({ ...input, lastUsedAt: null, revokedAt: null });
      expect(await uow().apiKeys.findById(input.id)).toEqual(created);
      expect(await uow().apiKeys.findByHash(input.keyHash)).toEqual({ key: created, ownerActive: true, ownerPlan: "pro" });
      expect(await uow().apiKeys.findByHash("no-such-hash")).toBeNull();
      expect(await uow().apiKeys.findById(uuidv7())).toBeNull();
    });

    it("a service's key: ownerPlan null, ownerActive from the service", async () => {
      const serviceId = await createService();
      const input = newKey({ type: "service", serviceId }, { start: "sk_abcdef", scopes: [] });
      const created = await uow().apiKeys.insert(input);
      expect(await uow().apiKeys.findByHash(input.keyHash)).toEqual({ key: { ...created, scopes: [] }, ownerActive: true, ownerPlan: null });
    });

    it("a disabled or deleted user's key reads ownerActive false", async () => {
      const userId = await createUser();
      const key = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      await uow().users.update(userId, { isActive: false, updatedAt: at(1) });
      expect((await uow().apiKeys.findByHash(key.keyHash))?.ownerActive).toBe(false);
      await uow().users.update(userId, { isActive: true, deletedAt: at(2), updatedAt: at(2) });
      expect((await uow().apiKeys.findByHash(key.keyHash))?.ownerActive).toBe(false);
    });

    it("a hash is unique, and a key needs an existing owner", async () => {
      const userId = await createUser();
      const key = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      await expect(uow().apiKeys.insert(newKey({ type: "user", userId }, { keyHash: key.keyHash }))).rejects.toThrow();
      await expect(uow().apiKeys.insert(newKey({ type: "user", userId: uuidv7() }))).rejects.toThrow();
      await expect(uow().apiKeys.insert(newKey({ type: "service", serviceId: uuidv7() }))).rejects.toThrow();
    });

    it("lists a user's keys newest first, revoked included, and nobody else's", async () => {
      const userId = await createUser();
      const other = await createUser();
      const a = await uow().apiKeys.insert(newKey({ type: "user", userId }, { createdAt: at(1) }));
      const b = await uow().apiKeys.insert(newKey({ type: "user", userId }, { createdAt: at(2) }));
      await uow().apiKeys.insert(newKey({ type: "user", userId: other }));
      await uow().apiKeys.revoke(a.id, at(3));
      expect((await uow().apiKeys.listForUser(userId)).map((k) => [k.id, k.revokedAt])).toEqual([
        [b.id, null],
        [a.id, at(3)],
      ]);
    });

    it("of concurrent revocations of one key exactly one reports it revoked, and the first time stays", async () => {
      const userId = await createUser();
      const key = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      const results = await Promise.all([1, 2, 3, 4].map((m) => uow().apiKeys.revoke(key.id, at(m))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const revokedAt = (await uow().apiKeys.findById(key.id))?.revokedAt;
      expect(await uow().apiKeys.revoke(key.id, at(9))).toBe(false);
      expect((await uow().apiKeys.findById(key.id))?.revokedAt).toEqual(revokedAt);
      expect(await uow().apiKeys.revoke(uuidv7(), at(9))).toBe(false);
    });

    it("revokeAllForUser revokes the live keys and reports only those; countUsableForUser counts live, unexpired ones", async () => {
      const userId = await createUser();
      const live = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      const expiring = await uow().apiKeys.insert(newKey({ type: "user", userId }, { expiresAt: at(10) }));
      const gone = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      await uow().apiKeys.revoke(gone.id, at(1));
      expect(await uow().apiKeys.countUsableForUser(userId, at(5))).toBe(2);
      expect(await uow().apiKeys.countUsableForUser(userId, at(10))).toBe(1);
      expect((await uow().apiKeys.revokeAllForUser(userId, at(11))).sort()).toEqual([live.id, expiring.id].sort());
      expect(await uow().apiKeys.revokeAllForUser(userId, at(12))).toEqual([]);
      expect((await uow().apiKeys.findById(gone.id))?.revokedAt).toEqual(at(1));
      expect(await uow().apiKeys.countUsableForUser(userId, at(5))).toBe(0);
    });

    it("touch sets lastUsedAt of every id given, ignores unknown ids and an empty list", async () => {
      const userId = await createUser();
      const a = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      const b = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      const c = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      await uow().apiKeys.touch([a.id, b.id, uuidv7()], at(7));
      await uow().apiKeys.touch([], at(8));
      expect((await uow().apiKeys.findById(a.id))?.lastUsedAt).toEqual(at(7));
      expect((await uow().apiKeys.findById(b.id))?.lastUsedAt).toEqual(at(7));
      expect((await uow().apiKeys.findById(c.id))?.lastUsedAt).toBeNull();
    });

    it("keys are written and rolled back with their transaction", async () => {
      const userId = await createUser();
      const input = newKey({ type: "user", userId });
      await expect(
        uow().transaction(async (tx) => {
          await tx.apiKeys.insert(input);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await uow().apiKeys.findById(input.id)).toBeNull();
    });

    it("a hard-deleted user's keys go with it", async () => {
      const userId = await createUser();
      const key = await uow().apiKeys.insert(newKey({ type: "user", userId }));
      await subject().probe.deleteUser(userId);
      expect(await uow().apiKeys.findById(key.id)).toBeNull();
    });

    it("service accounts: created, found by name and id; a name taken is VALIDATION_FAILED on name", async () => {
      const name = `cvmaker-${uuidv7()}`;
      const id = await createService(name);
      expect(await uow().serviceAccounts.findByName(name)).toEqual({ id, name, isActive: true, createdAt: T0 });
      expect(await uow().serviceAccounts.findById(id)).toEqual({ id, name, isActive: true, createdAt: T0 });
      expect(await uow().serviceAccounts.findByName("nobody")).toBeNull();
      await expect(createService(name)).rejects.toMatchObject({
        reason: "VALIDATION_FAILED",
        fieldViolations: [{ field: "name", description: "is already taken" }],
      });
    });
  });
}
