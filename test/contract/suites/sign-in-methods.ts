// The OAuthIdentityRepository and PasskeyRepository contracts, for every adapter of the ports.
// An identity is (issuer, subject) and belongs to one account; an account has at most one
// identity per provider; a credential id is registered once; a passkey's counter moves only from
// the value the caller read (two uses of one assertion cannot both pass); deleting is scoped to the
// owner; everything cascades with a hard delete of the user.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { OAuthIdentity, StoredPasskey } from "../../../src/application/ports/sign-in-methods.js";
import type { UnitOfWork } from "../../../src/application/ports/unit-of-work.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1_000);

function identity(userId: string, over: Partial<OAuthIdentity> = {}): OAuthIdentity {
  return {
    id: uuidv7(),
    userId,
    provider: "google",
    issuer: "https://accounts.example",
    subject: `sub-${uuidv7()}`,
    email: "someone@example.com",
    createdAt: T0,
    lastUsedAt: null,
    ...over,
  };
}

function passkey(userId: string, over: Partial<StoredPasskey> = {}): StoredPasskey {
  return {
    id: uuidv7(),
    userId,
    credentialId: `cred-${uuidv7()}`,
    publicKey: new Uint8Array([1, 2, 3, 250]),
    counter: 0,
    transports: ["internal", "hybrid"],
    deviceType: "multiDevice",
    backedUp: true,
    name: "Laptop",
    createdAt: T0,
    lastUsedAt: null,
    ...over,
  };
}

const reasonOf = async (p: Promise<unknown>) =>
  (
    (await p.then(
      () => null,
      (e: unknown) => e,
    )) as { reason?: string } | null
  )?.reason;

export function describeSignInMethodContracts(name: string, makeRepositories: MakeRepositories): void {
  describe(`OAuthIdentityRepository and PasskeyRepository on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let uow: UnitOfWork;
    beforeAll(() => {
      uow = subject().uow;
    });
    const user = async () => (await uow.users.create(newUserRecord(T0))).id;

    it("an identity is found by (issuer, subject) and listed for its user, oldest first", async () => {
      const u = await user();
      const a = await uow.oauthIdentities.create(identity(u, { provider: "google", createdAt: at(1) }));
      const b = await uow.oauthIdentities.create(identity(u, { provider: "corp", issuer: "https://corp.example", createdAt: at(2) }));
      expect(await uow.oauthIdentities.findBySubject(a.issuer, a.subject)).toEqual(a);
      expect(await uow.oauthIdentities.findBySubject(a.issuer, "other")).toBeNull();
      expect(await uow.oauthIdentities.findBySubject("https://other.example", a.subject)).toBeNull();
      expect((await uow.oauthIdentities.listForUser(u)).map((i) => i.provider)).toEqual([a.provider, b.provider]);
    });

    it("(issuer, subject) is linked once, to one account: PROVIDER_ALREADY_LINKED, also when two links race", async () => {
      const [u1, u2] = [await user(), await user()];
      const first = identity(u1);
      await uow.oauthIdentities.create(first);
      expect(await reasonOf(uow.oauthIdentities.create(identity(u2, { issuer: first.issuer, subject: first.subject })))).toBe("PROVIDER_ALREADY_LINKED");
      const [u3, u4] = [await user(), await user()];
      const contested = { issuer: "https://race.example", subject: `sub-${uuidv7()}` };
      const results = await Promise.allSettled([u3, u4].map((u) => uow.oauthIdentities.create(identity(u, contested))));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.reason)).toEqual(["PROVIDER_ALREADY_LINKED"]);
    });

    it("an account has at most one identity per provider", async () => {
      const u = await user();
      await uow.oauthIdentities.create(identity(u, { provider: "google" }));
      expect(await reasonOf(uow.oauthIdentities.create(identity(u, { provider: "google" })))).toBe("PROVIDER_ALREADY_LINKED");
      expect(await uow.oauthIdentities.listForUser(u)).toHaveLength(1);
    });

    it("delete is scoped to the owner and reports whether it removed anything; touch records the use", async () => {
      const [u, other] = [await user(), await user()];
      const i = await uow.oauthIdentities.create(identity(u));
      expect(await uow.oauthIdentities.delete(other, "google")).toBe(false);
      await uow.oauthIdentities.touch(i.id, at(30));
      expect((await uow.oauthIdentities.findBySubject(i.issuer, i.subject))?.lastUsedAt).toEqual(at(30));
      expect(await uow.oauthIdentities.delete(u, "google")).toBe(true);
      expect(await uow.oauthIdentities.delete(u, "google")).toBe(false);
      expect(await uow.oauthIdentities.listForUser(u)).toEqual([]);
    });

    it("a passkey round-trips (bytes, transports, counter) and is listed for its user", async () => {
      const u = await user();
      const p = await uow.passkeys.create(passkey(u, { counter: 7 }));
      expect(p.publicKey).toEqual(new Uint8Array([1, 2, 3, 250]));
      const found = await uow.passkeys.findByCredentialId(p.credentialId);
      expect(found).toEqual(p);
      expect(found?.transports).toEqual(["internal", "hybrid"]);
      expect((await uow.passkeys.listForUser(u)).map((x) => x.id)).toEqual([p.id]);
      expect(await uow.passkeys.findByCredentialId("unknown")).toBeNull();
    });

    it("a credential id is registered once, whoever registers it: PASSKEY_INVALID", async () => {
      const [u1, u2] = [await user(), await user()];
      const p = await uow.passkeys.create(passkey(u1));
      expect(await reasonOf(uow.passkeys.create(passkey(u2, { credentialId: p.credentialId })))).toBe("PASSKEY_INVALID");
    });

    it("recordUse moves the counter only from the value read: of two concurrent uses one passes", async () => {
      const u = await user();
      const p = await uow.passkeys.create(passkey(u, { counter: 5 }));
      const results = await Promise.all([uow.passkeys.recordUse(p.id, 5, 6, at(10)), uow.passkeys.recordUse(p.id, 5, 6, at(10))]);
      expect(results.sort()).toEqual([false, true]);
      const after = await uow.passkeys.findByCredentialId(p.credentialId);
      expect(after).toMatchObject({ counter: 6, lastUsedAt: at(10) });
      expect(await uow.passkeys.recordUse(p.id, 5, 9, at(11))).toBe(false);
    });

    it("deleting a passkey is scoped to its owner", async () => {
      const [u, other] = [await user(), await user()];
      const p = await uow.passkeys.create(passkey(u));
      expect(await uow.passkeys.delete(other, p.id)).toBe(false);
      expect(await uow.passkeys.delete(u, p.id)).toBe(true);
      expect(await uow.passkeys.delete(u, p.id)).toBe(false);
    });

    it("a transaction that fails writes neither an identity nor a passkey", async () => {
      const u = await user();
      await expect(
        uow.transaction(async (tx) => {
          await tx.oauthIdentities.create(identity(u));
          await tx.passkeys.create(passkey(u));
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      expect(await uow.oauthIdentities.listForUser(u)).toEqual([]);
      expect(await uow.passkeys.listForUser(u)).toEqual([]);
    });

    it("a hard delete of the user removes its identities and passkeys", async () => {
      const u = await user();
      const i = await uow.oauthIdentities.create(identity(u));
      const p = await uow.passkeys.create(passkey(u));
      await subject().probe.deleteUser(u);
      expect(await uow.oauthIdentities.findBySubject(i.issuer, i.subject)).toBeNull();
      expect(await uow.passkeys.findByCredentialId(p.credentialId)).toBeNull();
    });
  });
}
