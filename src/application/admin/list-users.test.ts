import { describe, expect, it } from "vitest";
import { seedUser } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ListUsers } from "./list-users.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const names = ["carol", "Alice", "albert", "bob"];
  for (const [i, name] of names.entries()) {
    await seedUser(uow, {
      id: `00000000-0000-7000-8000-00000000000${i + 1}`,
      username: name,
      usernameNormalized: name.toLowerCase(),
      email: i === 3 ? "al.bob@example.com" : `${name.toLowerCase()}@example.com`,
    });
  }
  return { listUsers: new ListUsers({ uow }) };
}

describe("ListUsers", () => {
  it("orders by username and matches a case-insensitive prefix of the username or the email", async () => {
    const { listUsers } = await setup();
    const all = await listUsers.execute({ query: "", pageSize: 0, pageToken: "" });
    expect(all.users.map((u) => u.username)).toEqual(["albert", "Alice", "bob", "carol"]);
    expect(all.nextPageToken).toBe("");
    // "AL" matches albert and Alice by username, bob by his email "al.bob@...".
    const al = await listUsers.execute({ query: " AL ", pageSize: 0, pageToken: "" });
    expect(al.users.map((u) => u.username)).toEqual(["albert", "Alice", "bob"]);
  });

  it("pages with an opaque token until the last page, which has none", async () => {
    const { listUsers } = await setup();
    const first = await listUsers.execute({ query: "", pageSize: 3, pageToken: "" });
    expect(first.users.map((u) => u.username)).toEqual(["albert", "Alice", "bob"]);
    expect(first.nextPageToken).not.toBe("");
    const second = await listUsers.execute({ query: "", pageSize: 3, pageToken: first.nextPageToken });
    expect(second.users.map((u) => u.username)).toEqual(["carol"]);
    expect(second.nextPageToken).toBe("");
  });

  it("refuses a bad page size, a forged token, and a token of another query (VALIDATION_FAILED)", async () => {
    const { listUsers } = await setup();
    await expect(listUsers.execute({ query: "", pageSize: 101, pageToken: "" })).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "page_size" }],
    });
    await expect(listUsers.execute({ query: "", pageSize: 0, pageToken: "not-a-token" })).rejects.toMatchObject({
      fieldViolations: [{ field: "page_token" }],
    });
    const { nextPageToken } = await listUsers.execute({ query: "", pageSize: 1, pageToken: "" });
    await expect(listUsers.execute({ query: "c", pageSize: 1, pageToken: nextPageToken })).rejects.toMatchObject({
      fieldViolations: [{ field: "page_token" }],
    });
  });
});
