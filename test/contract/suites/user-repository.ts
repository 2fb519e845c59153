// The UserRepository contract, for every adapter of the port (PGlite and PostgreSQL through
// Prisma, the in-memory unit of work). Uniqueness is the store's job: these cases check that
// clashes, including simultaneous ones, surface as USER_ALREADY_EXISTS naming the field,
// whatever shape the driver adapter gives the underlying P2002.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { NewUser, UserRepository } from "../../../src/application/ports/users.js";
import { DomainError } from "../../../src/domain/errors.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

/** Millisecond precision on purpose: the round trip must keep it. */
const T0 = new Date("2024-05-01T10:00:00.123Z");

let seq = 0;
/**
 * A user whose username, email and phone are unique unless overridden. Display and normalized
 * username differ, and phone and password hash are set, so a round trip checks every column.
 */
function newUser(overrides: Partial<NewUser> = {}): NewUser {
  seq += 1;
  const username = `User_${Date.now().toString(36)}${seq}`;
  return newUserRecord(T0, {
    username,
    usernameNormalized: username.toLowerCase(),
    phone: `+4915${String(100000000 + seq).slice(-9)}`,
    fullName: "Test User",
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    ...overrides,
  });
}

/** Awaits `promise`, expecting DomainError `reason`; returns the error for further checks. */
async function expectDomainError(promise: Promise<unknown>, reason: string): Promise<DomainError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).reason).toBe(reason);
  return err as DomainError;
}

export function describeUserRepositoryContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`UserRepository on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let users: UserRepository;

    beforeAll(() => {
      users = subject().uow.users;
    });

    it("creates a user and finds it by id with every field round-tripped", async () => {
      const input = newUser();
      const created = await users.create(input);
      expect(created).toEqual({
        ...input,
        emailVerified: false,
        phoneVerified: false,
        mfaEnabled: false,
        isActive: true,
        deletedAt: null,
        updatedAt: input.createdAt,
        lastLoginAt: null,
        totpSecretEnc: null,
        totpLastStep: null,
        authVersion: 0,
      });
      expect(await users.findById(input.id)).toEqual(created);
    });

    it("bumps authVersion in the update itself, once per update", async () => {
      const input = newUser();
      await users.create(input);
      const once = await users.update(input.id, { updatedAt: input.createdAt, bumpAuthVersion: true });
      expect(once.authVersion).toBe(1);
      const twice = await users.update(input.id, { updatedAt: input.createdAt, bumpAuthVersion: true, fullName: "B" });
      expect(twice.authVersion).toBe(2);
      expect((await users.update(input.id, { updatedAt: input.createdAt, fullName: "C" })).authVersion).toBe(2);
    });

    it("updateIf writes only while every expectation holds, decided in the UPDATE", async () => {
      const input = newUser();
      await users.create(input);
      const t = input.createdAt;
      // Stale version: nothing written.
      expect(await users.updateIf(input.id, { authVersion: 5 }, { updatedAt: t, fullName: "X" })).toBeNull();
      // Another contact than the account's: nothing written.
      expect(await users.updateIf(input.id, { email: "other@example.com" }, { updatedAt: t, emailVerified: true })).toBeNull();
      expect(await users.updateIf(input.id, { phone: "+4900000001" }, { updatedAt: t, phoneVerified: true })).toBeNull();
      expect((await users.findById(input.id))?.emailVerified).toBe(false);
      expect((await users.findById(input.id))?.fullName).toBe(input.fullName);
      // All holding: written, and the version bump is applied with it.
      const ok = await users.updateIf(
        input.id,
        { authVersion: 0, email: input.email!, phone: input.phone!, canSignIn: true },
        { updatedAt: t, emailVerified: true, bumpAuthVersion: true },
      );
      expect(ok).toMatchObject({ emailVerified: true, authVersion: 1 });
      // The old version is now stale.
      expect(await users.updateIf(input.id, { authVersion: 0 }, { updatedAt: t, fullName: "Y" })).toBeNull();
      // A deleted or deactivated account fails canSignIn.
      await users.update(input.id, { updatedAt: t, deletedAt: t, isActive: false });
      expect(await users.updateIf(input.id, { canSignIn: true }, { updatedAt: t, fullName: "Z" })).toBeNull();
      expect(await users.updateIf(uuidv7(), {}, { updatedAt: t, fullName: "Z" })).toBeNull();
    });

    it("of two updateIf racing on one version, exactly one wins", async () => {
      const input = newUser();
      await users.create(input);
      const t = input.createdAt;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => users.updateIf(input.id, { authVersion: 0 }, { updatedAt: t, fullName: `R${i}`, bumpAuthVersion: true })),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect((await users.findById(input.id))?.authVersion).toBe(1);
    });

    it("keeps null email and phone as null, and several users may have none", async () => {
      const a = await users.create(newUser({ email: null, phone: null }));
      const b = await users.create(newUser({ email: null, phone: null }));
      expect(a.email).toBeNull();
      expect(a.phone).toBeNull();
      expect((await users.findById(b.id))?.email).toBeNull();
    });

    it("answers null for an unknown id or identifier", async () => {
      expect(await users.findById(uuidv7())).toBeNull();
      expect(await users.findByIdentifier("username", "nobody-here")).toBeNull();
      expect(await users.findByIdentifier("email", "nobody@example.com")).toBeNull();
      expect(await users.findByIdentifier("phone", "+4900000000")).toBeNull();
    });

    it("finds by username through the normalized form, and by email and phone", async () => {
      const input = newUser({ username: "MixedCase_Name", usernameNormalized: "mixedcase_name" });
      await users.create(input);
      expect((await users.findByIdentifier("username", "mixedcase_name"))?.id).toBe(input.id);
      // The display form is not a look-up key: callers normalize first.
      expect(await users.findByIdentifier("username", "MixedCase_Name")).toBeNull();
      expect((await users.findByIdentifier("email", input.email!))?.id).toBe(input.id);
      expect((await users.findByIdentifier("phone", input.phone!))?.id).toBe(input.id);
    });

    it.each([
      ["username", (u: NewUser) => ({ username: u.username.toUpperCase(), usernameNormalized: u.usernameNormalized })],
      ["email", (u: NewUser) => ({ email: u.email })],
      ["phone", (u: NewUser) => ({ phone: u.phone })],
    ] as const)("rejects a duplicate %s with USER_ALREADY_EXISTS naming it", async (field, clash) => {
      const first = newUser();
      await users.create(first);
      const err = await expectDomainError(users.create(newUser(clash(first))), "USER_ALREADY_EXISTS");
      expect(err.fieldViolations).toEqual([{ field, description: "is already taken" }]);
      expect(err.message).toBe(`An account with this ${field} already exists`);
    });

    it("lets exactly one of 20 simultaneous registrations with one email win", async () => {
      const email = `race-${uuidv7()}@example.com`;
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => users.create(newUser({ email }))));
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      for (const r of lost) {
        expect(r.reason).toBeInstanceOf(DomainError);
        expect((r.reason as DomainError).reason).toBe("USER_ALREADY_EXISTS");
        expect((r.reason as DomainError).fieldViolations[0]?.field).toBe("email");
      }
      expect((await users.findByIdentifier("email", email))?.id).toBe((won[0] as PromiseFulfilledResult<{ id: string }>).value.id);
    });

    it("updates only the fields in the patch", async () => {
      const input = newUser();
      await users.create(input);
      const updatedAt = new Date("2024-05-02T08:00:00.456Z");
      const lastLoginAt = new Date("2024-05-02T07:59:59.999Z");
      const updated = await users.update(input.id, {
        fullName: "Renamed",
        emailVerified: true,
        phone: null,
        lastLoginAt,
        updatedAt,
      });
      expect(updated).toMatchObject({
        fullName: "Renamed",
        emailVerified: true,
        phone: null,
        email: input.email,
        username: input.username,
        passwordHash: input.passwordHash,
        lastLoginAt,
        updatedAt,
      });
      expect(await users.findById(input.id)).toEqual(updated);
    });

    it("soft-deletes, and a deleted user is still found by its identifiers", async () => {
      const input = newUser();
      await users.create(input);
      const deletedAt = new Date("2024-05-03T00:00:00.000Z");
      await users.update(input.id, { isActive: false, deletedAt, updatedAt: deletedAt });
      const found = await users.findByIdentifier("email", input.email!);
      expect(found).toMatchObject({ id: input.id, isActive: false, deletedAt });
    });

    it("rejects an update that takes another user's email with USER_ALREADY_EXISTS", async () => {
      const a = newUser();
      const b = newUser();
      await users.create(a);
      await users.create(b);
      const err = await expectDomainError(users.update(b.id, { email: a.email, updatedAt: new Date() }), "USER_ALREADY_EXISTS");
      expect(err.fieldViolations).toEqual([{ field: "email", description: "is already taken" }]);
    });

    it("search: a case-insensitive prefix of the normalized username or the email, by username, keyset-paged", async () => {
      const tag = `s${Date.now().toString(36)}${seq}`;
      const zed = await users.create(newUser({ username: `${tag}_Zed`, usernameNormalized: `${tag}_zed`, email: `zed-${tag}@example.com` }));
      const amy = await users.create(newUser({ username: `${tag}_Amy`, usernameNormalized: `${tag}_amy`, email: `amy-${tag}@example.com` }));
      const mail = await users.create(newUser({ username: `other${tag}`, usernameNormalized: `other${tag}`, email: `${tag}.Mail@Example.com` }));
      // Literal prefixes: a LIKE wildcard matches nothing it should not.
      expect(await users.search(`${tag}%`, { limit: 10 })).toEqual([]);
      // By normalized username: "other…" (matched by its email) before "<tag>_amy" and "<tag>_zed".
      const all = await users.search(tag, { limit: 10 });
      expect(all.map((u) => u.id)).toEqual([mail.id, amy.id, zed.id]);
      // The email column is matched whatever its case (the stored email here has capitals).
      expect((await users.search(`${tag}.mail`, { limit: 10 })).map((u) => u.id)).toEqual([mail.id]);
      expect((await users.search(`amy-${tag}`, { limit: 10 })).map((u) => u.id)).toEqual([amy.id]);
      const first = await users.search(tag, { limit: 2 });
      expect(first.map((u) => u.id)).toEqual([mail.id, amy.id]);
      expect((await users.search(tag, { limit: 2, after: first[1]?.usernameNormalized })).map((u) => u.id)).toEqual([zed.id]);
      expect(await users.search(tag, { limit: 5, after: zed.usernameNormalized })).toEqual([]);
      expect((await users.search("", { limit: 1000 })).length).toBeGreaterThanOrEqual(3);
    });

    it("updateKeepingRole refuses to take the role from its last active holder (LAST_ADMIN), else writes", async () => {
      const role = `keeper${Date.now().toString(36)}${seq}`;
      const a = await users.create(newUser({ roles: ["user", role] }));
      const b = await users.create(newUser({ roles: ["user", role] }));
      const t = a.createdAt;
      const { uow } = subject();
      const updated = await uow.transaction((tx) => tx.users.updateKeepingRole(a.id, role, { roles: ["user"], updatedAt: t }));
      expect(updated.roles).toEqual(["user"]);
      await expectDomainError(
        uow.transaction((tx) => tx.users.updateKeepingRole(b.id, role, { roles: ["user"], updatedAt: t })),
        "LAST_ADMIN",
      );
      // Deactivating the last holder takes the role from it as well.
      await expectDomainError(
        uow.transaction((tx) => tx.users.updateKeepingRole(b.id, role, { isActive: false, updatedAt: t })),
        "LAST_ADMIN",
      );
      // Changes that keep it, and changes to a non-holder, go through.
      expect((await uow.transaction((tx) => tx.users.updateKeepingRole(b.id, role, { roles: [role, "ops"], updatedAt: t }))).roles).toEqual([role, "ops"]);
      expect((await uow.transaction((tx) => tx.users.updateKeepingRole(a.id, role, { isActive: false, updatedAt: t }))).isActive).toBe(false);
      await expectDomainError(
        uow.transaction((tx) => tx.users.updateKeepingRole(uuidv7(), role, { roles: [], updatedAt: t })),
        "USER_NOT_FOUND",
      );
    });

    it("of two concurrent updateKeepingRole that would each take the role from one of two holders, one is refused", async () => {
      const role = `race${Date.now().toString(36)}${seq}`;
      const a = await users.create(newUser({ roles: [role] }));
      const b = await users.create(newUser({ roles: [role] }));
      const { uow } = subject();
      for (let round = 0; round < 3; round++) {
        const results = await Promise.allSettled(
          [a, b].map((u) => uow.transaction((tx) => tx.users.updateKeepingRole(u.id, role, { roles: ["user"], updatedAt: u.createdAt }))),
        );
        const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(refused).toHaveLength(1);
        expect(refused.map((r) => (r.reason as DomainError).reason)).toEqual(["LAST_ADMIN"]);
        const holders = (await Promise.all([a, b].map((u) => users.findById(u.id)))).filter((u) => u?.roles.includes(role));
        expect(holders).toHaveLength(1);
        // Give the role back for the next round.
        for (const u of [a, b]) await users.update(u.id, { roles: [role], updatedAt: u.createdAt });
      }
    });

    it("answers USER_NOT_FOUND for an update of a missing user", async () => {
      await expectDomainError(users.update(uuidv7(), { fullName: "Ghost", updatedAt: new Date() }), "USER_NOT_FOUND");
    });
  });
}
