// Shared set-up of the api-keys unit tests: a memory unit of work with a user, and keys put in
// through the repository (as CreateApiKey or the operators' CLI would).

import { newApiKeySecret } from "../../src/application/api-keys/key-secret.js";
import type { ApiKeyOwner } from "../../src/application/ports/api-keys.js";
import type { UnitOfWork } from "../../src/application/ports/unit-of-work.js";
import { createMemoryUnitOfWork } from "../../src/application/testing/memory-unit-of-work.js";
import { makeDeps, principalFor, seedUser, testCtx } from "./fakes.js";

export async function apiKeySetup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow);
  const principal = principalFor(user.id, "00000000-0000-7000-8000-000000005e55");
  return { uow, deps, user, principal, ctx: testCtx };
}

let n = 0;

/** Stores a key for `owner` and returns its secret and id. */
export async function storeKey(
  deps: { uow: UnitOfWork; clock: { now(): Date }; random: { bytes(n: number): Uint8Array } },
  owner: ApiKeyOwner,
  options: { scopes?: string[]; expiresAt?: Date | null } = {},
): Promise<{ id: string; secret: string }> {
  const { secret, keyHash, start } = newApiKeySecret(deps.random, owner.type);
  const id = `00000000-0000-7000-b000-${String(++n).padStart(12, "0")}`;
  await deps.uow.apiKeys.insert({
    id,
    owner,
    name: `key ${n}`,
    start,
    keyHash,
    scopes: options.scopes ?? ["read"],
    createdAt: deps.clock.now(),
    expiresAt: options.expiresAt ?? null,
  });
  return { id, secret };
}

/** Counts findByHash calls on a unit of work's apiKeys. */
export function countLookups(uow: UnitOfWork): { count: number } {
  const counter = { count: 0 };
  const original = uow.apiKeys.findByHash.bind(uow.apiKeys);
  uow.apiKeys.findByHash = async (hash) => {
    counter.count += 1;
    return original(hash);
  };
  return counter;
}
