import { describe, expect, it } from "vitest";
import { makeDeps, seedAdminWorld, T0, testCtx } from "../../../test/support/fakes.js";
import { openSession } from "../sessions/open-session.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { GetUser } from "./get-user.js";

describe("GetUser", () => {
  it("answers the user with its live sessions and usable keys counted", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = makeDeps({ uow });
    const { bob } = await seedAdminWorld(uow);
    const open = () => uow.transaction((tx) => openSession(deps, tx, bob, testCtx, { authMethod: "password", deviceName: "" }));
    await open();
    const ended = await open();
    await uow.sessions.revoke(ended.session.id, "logout", T0);
    const key = (id: string, extra: { expiresAt?: Date }) => ({
      id,
      owner: { type: "user" as const, userId: bob.id },
      name: id,
      start: "ak_abcdef",
      keyHash: `hash-${id}`,
      scopes: [],
      createdAt: T0,
      expiresAt: extra.expiresAt ?? null,
    });
    await uow.apiKeys.insert(key("00000000-0000-7000-8000-0000000000d1", {}));
    await uow.apiKeys.insert(key("00000000-0000-7000-8000-0000000000d2", { expiresAt: new Date(T0.getTime() - 1) }));
    await uow.apiKeys.insert(key("00000000-0000-7000-8000-0000000000d3", {}));
    await uow.apiKeys.revoke("00000000-0000-7000-8000-0000000000d3", T0);
    const out = await new GetUser(deps).execute({ userId: bob.id });
    expect(out).toEqual({ user: await uow.users.findById(bob.id), sessionCount: 1, apiKeyCount: 1 });
  });

  it("an unknown id is USER_NOT_FOUND, a malformed one VALIDATION_FAILED", async () => {
    const deps = makeDeps({ uow: createMemoryUnitOfWork() });
    await expect(new GetUser(deps).execute({ userId: "00000000-0000-7000-8000-000000000999" })).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
    await expect(new GetUser(deps).execute({ userId: "bob" })).rejects.toMatchObject({ reason: "VALIDATION_FAILED" });
  });
});
