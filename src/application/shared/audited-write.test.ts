import { describe, expect, it } from "vitest";
import { makeDeps, seedUser, testCtx } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { auditTrail, revokingWrite } from "./audited-write.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow);
  return { uow, deps, user };
}

describe("auditTrail", () => {
  it("records the actor's events with its session by default, success by default", async () => {
    const { uow, deps, user } = await setup();
    const trail = auditTrail(deps, testCtx, { userId: user.id, sessionId: "s1" });
    await trail.record(uow, "logout");
    await trail.record(uow, "login.failed", { outcome: "failure", sessionId: null, metadata: { reason: "x" } });
    expect((await uow.rows()).auditEvents.map((e) => [e.type, e.outcome, e.sessionId, e.userId, e.metadata, e.requestId])).toEqual([
      ["logout", "success", "s1", user.id, {}, testCtx.requestId],
      ["login.failed", "failure", null, user.id, { reason: "x" }, testCtx.requestId],
    ]);
  });

  it("an actor without a session records null", async () => {
    const { uow, deps } = await setup();
    await auditTrail(deps, testCtx, { userId: null }).record(uow, "login.failed", { outcome: "failure" });
    expect((await uow.rows()).auditEvents[0]?.sessionId).toBeNull();
  });
});

describe("revokingWrite", () => {
  it("announces the sessions revoked once the transaction committed, and answers its result", async () => {
    const { deps } = await setup();
    let announcedInside: string[][] | undefined;
    const out = await revokingWrite(deps, async (_tx, revoked) => {
      revoked(["a", "b"]);
      revoked(["c"]);
      announcedInside = [...deps.revoker.announced];
      return 42;
    });
    expect(out).toBe(42);
    expect(announcedInside).toEqual([]);
    expect(deps.revoker.announced).toEqual([["a", "b", "c"]]);
  });

  it("announces nothing for a rollback, nor when nothing was revoked", async () => {
    const { uow, deps, user } = await setup();
    const failure = new Error("boom");
    await expect(
      revokingWrite(deps, async (tx, revoked) => {
        await tx.audit.record({
          id: "e1",
          userId: user.id,
          type: "logout",
          outcome: "success",
          ipAddress: "",
          userAgent: "",
          requestId: "",
          sessionId: null,
          metadata: {},
          createdAt: deps.clock.now(),
        });
        revoked(["a"]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await uow.rows()).auditEvents).toEqual([]);
    await revokingWrite(deps, async () => undefined);
    expect(deps.revoker.announced).toEqual([]);
  });
});
