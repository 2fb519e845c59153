import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser, T0, testCtx, userRecord } from "../../../test/support/fakes.js";
import { auditRecord } from "../shared/audit.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ListAuditEvents } from "./list-audit-events.js";

async function setup(count: number) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow);
  const bob = await seedUser(
    uow,
    userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }),
  );
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    deps.clock.advance(1000);
    const r = auditRecord(deps, testCtx, { userId: user.id, type: "login.succeeded", outcome: "success" });
    ids.push(r.id);
    await uow.audit.record(r);
    await uow.audit.record(auditRecord(deps, testCtx, { userId: bob.id, type: "login.succeeded", outcome: "success" }));
  }
  return { list: new ListAuditEvents({ uow }), principal: principalFor(user.id, "s1"), newestFirst: ids.reverse(), user };
}

describe("ListAuditEvents", () => {
  it("pages the caller's own events newest first; every event once, the last token empty", async () => {
    const { list, principal, newestFirst, user } = await setup(5);
    const seen: string[] = [];
    let pageToken = "";
    const sizes: number[] = [];
    do {
      const page = await list.execute({ pageSize: 2, pageToken }, principal);
      for (const e of page.events) expect(e.userId).toBe(user.id);
      seen.push(...page.events.map((e) => e.id));
      sizes.push(page.events.length);
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && sizes.length < 10);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(newestFirst);
  });

  it("page_size 0 means 20; more than 100 is refused on page_size", async () => {
    const { list, principal } = await setup(25);
    const page = await list.execute({ pageSize: 0, pageToken: "" }, principal);
    expect(page.events).toHaveLength(20);
    expect(page.nextPageToken).not.toBe("");
    expect((await list.execute({ pageSize: 100, pageToken: "" }, principal)).events).toHaveLength(25);
    await expect(list.execute({ pageSize: 101, pageToken: "" }, principal)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "page_size" }],
    });
  });

  it("a token that is not from a previous page is refused on page_token", async () => {
    const { list, principal } = await setup(1);
    await expect(list.execute({ pageSize: 1, pageToken: "bm90LWEtdG9rZW4" }, principal)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "page_token" }],
    });
  });

  it("an account without events gets an empty last page", async () => {
    const { list } = await setup(0);
    expect(await list.execute({ pageSize: 10, pageToken: "" }, principalFor("00000000-0000-7000-8000-0000000000cc", "s", T0))).toEqual({
      events: [],
      nextPageToken: "",
    });
  });
});
