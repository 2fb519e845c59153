import { describe, expect, it } from "vitest";
import { testCtx as ctx } from "../../../test/support/fakes.js";
import { rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { DomainError } from "../../domain/errors.js";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { removeSignInMethod, removeUnprovenSignInMethods, signInMethodCount } from "./sign-in-methods.js";

const T = new Date("2026-01-15T12:00:00.000Z");
const identity = (userId: string, provider: string) => ({
  id: `00000000-0000-7000-8000-0000000001${provider.length}${provider.charCodeAt(0)}`.slice(0, 36),
  userId,
  provider,
  issuer: `https://${provider}.test`,
  subject: provider,
  email: null,
  createdAt: T,
  lastUsedAt: null,
});
const passkey = (userId: string, id: string) => ({
  id,
  userId,
  credentialId: `cred-${id}`,
  publicKey: new Uint8Array([1]),
  counter: 0,
  transports: [],
  deviceType: "singleDevice",
  backedUp: false,
  name: "",
  createdAt: T,
  lastUsedAt: null,
});
const notFound = () => new DomainError("SIGN_IN_METHOD_NOT_FOUND", "none");

describe("sign-in methods", () => {
  it("counts the password, the identities and the passkeys", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = unitDeps(uow);
    const user = await seedUser(deps);
    expect(await signInMethodCount(uow, user)).toBe(1);
    await uow.oauthIdentities.create(identity(user.id, "acme"));
    await uow.passkeys.create(passkey(user.id, "00000000-0000-7000-8000-0000000002a1"));
    expect(await signInMethodCount(uow, user)).toBe(3);
    expect(await signInMethodCount(uow, { ...user, passwordHash: null })).toBe(2);
  });

  it("a removal whose conditional write finds the account changed is rolled back and counted again", async () => {
    const uow = createMemoryUnitOfWork();
    const user = await seedUser(unitDeps(uow), { passwordHash: null });
    await uow.oauthIdentities.create(identity(user.id, "acme"));
    await uow.passkeys.create(passkey(user.id, "00000000-0000-7000-8000-0000000002a1"));
    // As PostgreSQL decides it when another removal committed between this one's count and its
    // write: the first conditional write matches no row; meanwhile the passkey went away.
    let stale = true;
    let committedMeanwhile = false;
    const racing: UnitOfWork = Object.assign(Object.create(uow) as UnitOfWork, {
      users: Object.assign(Object.create(uow.users) as Repositories["users"], {
        findById: async (id: string) => {
          if (committedMeanwhile) {
            // The other removal, committed while this one's transaction ran.
            committedMeanwhile = false;
            await uow.passkeys.delete(user.id, "00000000-0000-7000-8000-0000000002a1");
            await uow.users.updateIf(user.id, {}, { bumpAuthVersion: true, updatedAt: T });
          }
          return uow.users.findById(id);
        },
      }),
      transaction: <T>(fn: (tx: Repositories) => Promise<T>) =>
        uow.transaction((tx) => {
          const users = Object.assign(Object.create(tx.users) as Repositories["users"], {
            updateIf: async (...args: Parameters<Repositories["users"]["updateIf"]>) => {
              if (!stale) return tx.users.updateIf(...args);
              stale = false;
              committedMeanwhile = true;
              return null;
            },
          });
          return fn({ ...tx, users });
        }),
    });
    const deps = unitDeps(racing);
    const remove = removeSignInMethod(deps, ctx, { userId: user.id, sessionId: null }, (tx, u) => tx.oauthIdentities.delete(u.id, "acme"), notFound);
    const refused = await rejection(remove);
    expect(refused.reason).toBe("LAST_SIGN_IN_METHOD");
    // The first attempt's delete was rolled back with it; the second counted one method and refused.
    expect(await uow.oauthIdentities.listForUser(user.id)).toHaveLength(1);
    expect(await uow.passkeys.listForUser(user.id)).toHaveLength(0);
  });

  it("a claim removes every identity and passkey of the account", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = unitDeps(uow);
    const user = await seedUser(deps);
    await uow.oauthIdentities.create(identity(user.id, "acme"));
    await uow.passkeys.create(passkey(user.id, "00000000-0000-7000-8000-0000000002a1"));
    expect(await uow.transaction((tx) => removeUnprovenSignInMethods(tx, user.id))).toEqual({ identities: 1, passkeys: 1 });
    expect(await signInMethodCount(uow, user)).toBe(1);
  });
});
