import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ChangePassword } from "./change-password.js";
import { DeleteMe } from "./delete-me.js";
import { GetMe } from "./get-me.js";
import { createAccountUseCases } from "./index.js";
import { ListAuditEvents } from "./list-audit-events.js";
import { UpdateMe } from "./update-me.js";

describe("createAccountUseCases", () => {
  it("names each use case by its rpc, built over the deps it is given", async () => {
    const uow = createMemoryUnitOfWork();
    const user = await seedUser(uow);
    const u = createAccountUseCases(makeDeps({ uow }));
    expect(u.getMe).toBeInstanceOf(GetMe);
    expect(u.updateMe).toBeInstanceOf(UpdateMe);
    expect(u.changePassword).toBeInstanceOf(ChangePassword);
    expect(u.deleteMe).toBeInstanceOf(DeleteMe);
    expect(u.listAuditEvents).toBeInstanceOf(ListAuditEvents);
    expect((await u.getMe.execute(principalFor(user.id, "s1"))).id).toBe(user.id);
  });
});
