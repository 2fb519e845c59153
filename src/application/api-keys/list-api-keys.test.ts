import { describe, expect, it } from "vitest";
import { apiKeySetup, storeKey } from "../../../test/support/api-keys-kit.js";
import { seedUser, userRecord } from "../../../test/support/fakes.js";
import { ListApiKeys } from "./list-api-keys.js";

describe("ListApiKeys", () => {
  it("lists the caller's keys newest first, revoked ones included, and nobody else's", async () => {
    const { uow, deps, user, principal } = await apiKeySetup();
    const bob = await seedUser(
      uow,
      userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }),
    );
    const first = await storeKey(deps, { type: "user", userId: user.id });
    deps.clock.advance(1000);
    const second = await storeKey(deps, { type: "user", userId: user.id });
    await storeKey(deps, { type: "user", userId: bob.id });
    await uow.apiKeys.revoke(first.id, deps.clock.now());
    const keys = await new ListApiKeys(deps).execute(principal);
    expect(keys.map((k) => k.id)).toEqual([second.id, first.id]);
    expect(keys[1]?.revokedAt).toEqual(deps.clock.now());
  });
});
