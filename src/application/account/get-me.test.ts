import { describe, expect, it } from "vitest";
import { principalFor, seedUser, T0 } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { GetMe } from "./get-me.js";

describe("GetMe", () => {
  it("answers the caller's own account", async () => {
    const uow = createMemoryUnitOfWork();
    const user = await seedUser(uow, { fullName: "Ada King" });
    expect(await new GetMe({ uow }).execute(principalFor(user.id, "s1"))).toEqual(user);
  });

  it("a deleted account is USER_NOT_FOUND even with a token that still verifies", async () => {
    const uow = createMemoryUnitOfWork();
    const user = await seedUser(uow, { isActive: false, deletedAt: T0 });
    await expect(new GetMe({ uow }).execute(principalFor(user.id, "s1"))).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
  });
});
