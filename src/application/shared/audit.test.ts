import { describe, expect, it } from "vitest";
import { ManualClock, sequentialIds, testCtx } from "../../../test/support/fakes.js";
import { auditRecord } from "./audit.js";

describe("auditRecord", () => {
  it("stamps a new id, the clock's now and the caller's request context on the event", () => {
    const clock = new ManualClock();
    clock.advanceSeconds(42);
    const ids = sequentialIds();
    const record = auditRecord({ clock, ids }, testCtx, {
      userId: "u1",
      type: "logout",
      outcome: "success",
      sessionId: "s1",
      metadata: { count: 2 },
    });
    expect(record).toEqual({
      id: ids.issued[0],
      userId: "u1",
      type: "logout",
      outcome: "success",
      ipAddress: testCtx.ipAddress,
      userAgent: testCtx.userAgent,
      requestId: testCtx.requestId,
      sessionId: "s1",
      metadata: { count: 2 },
      createdAt: clock.now(),
    });
  });

  it("defaults the session to null and the metadata to empty; each record gets its own id", () => {
    const deps = { clock: new ManualClock(), ids: sequentialIds() };
    const a = auditRecord(deps, testCtx, { userId: null, type: "login.failed", outcome: "failure" });
    const b = auditRecord(deps, testCtx, { userId: null, type: "login.failed", outcome: "failure" });
    expect(a.sessionId).toBeNull();
    expect(a.metadata).toEqual({});
    expect(a.id).not.toBe(b.id);
  });
});
