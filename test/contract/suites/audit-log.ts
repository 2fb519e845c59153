// The AuditLog contract, for every adapter of the port: events come back newest first, and the
// (createdAt, id) cursor pages through them without skipping or repeating events that share a
// millisecond.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditLog, AuditRecord } from "../../../src/application/ports/audit.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function describeAuditLogContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`AuditLog on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let audit: AuditLog;

    beforeAll(() => {
      audit = subject().uow.audit;
    });

    async function createUser(): Promise<string> {
      return (await subject().uow.users.create(newUserRecord(T0, { email: null, roles: [] }))).id;
    }

    function event(userId: string | null, createdAt: Date, overrides: Partial<AuditRecord> = {}): AuditRecord {
      return {
        id: uuidv7(),
        userId,
        type: "login.succeeded",
        outcome: "success",
        ipAddress: "198.51.100.4",
        userAgent: "test-agent/1.0",
        requestId: `req-${uuidv7()}`,
        sessionId: null,
        metadata: {},
        createdAt,
        ...overrides,
      };
    }

    it("records an event and lists it with every field round-tripped", async () => {
      const userId = await createUser();
      const e = event(userId, at(1), {
        type: "login.failed",
        outcome: "failure",
        sessionId: uuidv7(),
        metadata: { reason: "bad_password", attempt: 3, locked: false },
      });
      await audit.record(e);
      expect(await audit.listForUser(userId, { limit: 10 })).toEqual([e]);
    });

    it("records events without a user, which no user's list shows", async () => {
      const userId = await createUser();
      await audit.record(event(null, at(1), { type: "login.failed", outcome: "failure" }));
      expect(await audit.listForUser(userId, { limit: 10 })).toEqual([]);
    });

    it("lists newest first, only the user's own events, at most `limit`", async () => {
      const userId = await createUser();
      const other = await createUser();
      const events = [event(userId, at(1)), event(userId, at(3)), event(userId, at(2))];
      for (const e of events) await audit.record(e);
      await audit.record(event(other, at(4)));

      const listed = await audit.listForUser(userId, { limit: 10 });
      expect(listed.map((e) => e.createdAt)).toEqual([at(3), at(2), at(1)]);
      expect((await audit.listForUser(userId, { limit: 2 })).map((e) => e.createdAt)).toEqual([at(3), at(2)]);
    });

    it("pages with an exclusive (createdAt, id) cursor, ties broken by id", async () => {
      const userId = await createUser();
      // Three events in one millisecond, then one earlier and one later: ids decide among the
      // three. uuidv7 ids made in sequence are ascending, so the last made sorts first.
      const sameMs = [event(userId, at(5)), event(userId, at(5)), event(userId, at(5))];
      const all = [event(userId, at(4)), ...sameMs, event(userId, at(6))];
      for (const e of all) await audit.record(e);
      const expectedOrder = [...all].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((e) => e.id);

      const seen: string[] = [];
      let before: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await audit.listForUser(userId, { limit: 2, ...(before ? { before } : {}) });
        if (page.length === 0) break;
        seen.push(...page.map((e) => e.id));
        const last = page[page.length - 1]!;
        before = { createdAt: last.createdAt, id: last.id };
      }
      expect(seen).toEqual(expectedOrder);

      // The cursor row itself is never included.
      const middle = sameMs[1]!;
      const after = await audit.listForUser(userId, { limit: 10, before: { createdAt: middle.createdAt, id: middle.id } });
      expect(after.map((e) => e.id)).not.toContain(middle.id);
      expect(after.map((e) => e.id)).toEqual(expectedOrder.slice(expectedOrder.indexOf(middle.id) + 1));
    });

    it("keeps the events of a deleted user (user_id set null)", async () => {
      const userId = await createUser();
      const e = event(userId, at(1));
      await audit.record(e);
      await subject().probe.deleteUser(userId);
      expect(await audit.listForUser(userId, { limit: 10 })).toEqual([]);
      // The row is still there (not undefined), with its user_id null.
      expect(await subject().probe.auditEventUserId(e.id)).toBeNull();
    });
  });
}
