import { describe, expect, it } from "vitest";
import { principalFor } from "../../../test/support/fakes.js";
import { rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ListProviders } from "./list-providers.js";

describe("ListProviders", () => {
  it("lists the caller's identities only, and the configured providers; a deleted account has none", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = unitDeps(uow);
    const [ada, eve] = [await seedUser(deps), await seedUser(deps)];
    const identity = (userId: string, id: string, subject: string) => ({
      id,
      userId,
      provider: "acme",
      issuer: "https://idp.acme.test",
      subject,
      email: "x@example.com",
      createdAt: deps.clock.now(),
      lastUsedAt: null,
    });
    await uow.oauthIdentities.create(identity(ada.id, "00000000-0000-7000-8000-0000000000c1", "a"));
    await uow.oauthIdentities.create(identity(eve.id, "00000000-0000-7000-8000-0000000000c2", "e"));
    const list = new ListProviders(deps);
    const out = await list.execute(principalFor(ada.id, "00000000-0000-7000-8000-00000000aaaa"));
    expect(out.identities.map((i) => i.subject)).toEqual(["a"]);
    expect(out.available).toEqual(["acme", "other"]);
    await uow.users.update(ada.id, { deletedAt: deps.clock.now(), updatedAt: deps.clock.now() });
    expect((await rejection(list.execute(principalFor(ada.id, "00000000-0000-7000-8000-00000000aaaa")))).reason).toBe("USER_NOT_FOUND");
  });
});
