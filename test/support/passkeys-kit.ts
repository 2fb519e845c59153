/** What the passkey use-case unit tests share: a memory unit of work with an account, its session and its passkeys. */
import type { StoredPasskey } from "../../src/application/ports/sign-in-methods.js";
import { openSession } from "../../src/application/sessions/open-session.js";
import { createMemoryUnitOfWork } from "../../src/application/testing/memory-unit-of-work.js";
import type { User } from "../../src/domain/user.js";
import { principalFor, testCtx } from "./fakes.js";
import { type SeedUser, seedUser, unitDeps } from "./use-case-deps.js";

export async function passkeyWorld(fields: SeedUser = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  const user = await seedUser(deps, fields);
  const opened = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
  return { uow, deps, user, principal: principalFor(user.id, opened.session.id) };
}

let made = 0;

/** Stores a passkey of `user` as FinishPasskeyRegistration would. */
export async function seedPasskey(
  deps: { uow: { passkeys: { create(p: StoredPasskey): Promise<StoredPasskey> } }; clock: { now(): Date } },
  user: User,
  over: Partial<StoredPasskey> = {},
): Promise<StoredPasskey> {
  const n = ++made;
  return deps.uow.passkeys.create({
    id: `00000000-0000-7000-b000-${String(n).padStart(12, "0")}`,
    userId: user.id,
    credentialId: `cred-${n}`,
    publicKey: new Uint8Array([n]),
    counter: 0,
    transports: ["internal"],
    deviceType: "singleDevice",
    backedUp: false,
    name: `key ${n}`,
    createdAt: deps.clock.now(),
    lastUsedAt: null,
    ...over,
  });
}
