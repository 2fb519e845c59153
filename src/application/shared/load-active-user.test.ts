import { describe, expect, it } from "vitest";
import { principalFor, userRecord } from "../../../test/support/fakes.js";
import type { User } from "../../domain/user.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { loadActiveUser } from "./load-active-user.js";

function uowWith(user: User | null) {
  const asked: string[] = [];
  const uow = {
    users: {
      findById: async (id: string) => {
        asked.push(id);
        return user && user.id === id ? user : null;
      },
    },
  } as unknown as UnitOfWork;
  return { uow, asked };
}

describe("loadActiveUser", () => {
  const user = userRecord();
  const principal = principalFor(user.id, "s1");

  it("answers the principal's account while it may sign in", async () => {
    const { uow, asked } = uowWith(user);
    expect(await loadActiveUser({ uow }, principal)).toBe(user);
    expect(asked).toEqual([user.id]);
  });

  it.each([
    ["missing", null],
    ["deactivated", userRecord({ isActive: false })],
    ["deleted", userRecord({ deletedAt: new Date("2026-01-01T00:00:00Z") })],
  ])("a %s account is USER_NOT_FOUND", async (_name, row) => {
    const { uow } = uowWith(row);
    await expect(loadActiveUser({ uow }, principal)).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
  });
});
