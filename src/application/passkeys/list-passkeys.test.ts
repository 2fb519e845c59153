import { describe, expect, it } from "vitest";
import { passkeyWorld, seedPasskey } from "../../../test/support/passkeys-kit.js";
import { seedUser } from "../../../test/support/use-case-deps.js";
import { ListPasskeys } from "./list-passkeys.js";

describe("ListPasskeys", () => {
  it("lists the caller's passkeys only, oldest first", async () => {
    const { deps, user, principal } = await passkeyWorld();
    const first = await seedPasskey(deps, user);
    deps.clock.advanceSeconds(5);
    const second = await seedPasskey(deps, user);
    await seedPasskey(deps, await seedUser(deps));
    expect((await new ListPasskeys(deps).execute(principal)).map((p) => p.id)).toEqual([first.id, second.id]);
  });
});
