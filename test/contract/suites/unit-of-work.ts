// The UnitOfWork contract, for every adapter of the port: what a transaction writes commits
// together or not at all, fn's value and fn's error come back unchanged, and transactions
// started together all complete.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../src/application/ports/audit.js";
import type { Repositories, UnitOfWork } from "../../../src/application/ports/unit-of-work.js";
import type { NewUser } from "../../../src/application/ports/users.js";
import { DomainError } from "../../../src/domain/errors.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.000Z");

export const newUser = (overrides: Partial<NewUser> = {}): NewUser => newUserRecord(T0, overrides);

function registered(userId: string): AuditRecord {
  return {
    id: uuidv7(),
    userId,
    type: "user.registered",
    outcome: "success",
    ipAddress: "",
    userAgent: "",
    requestId: "req-1",
    sessionId: null,
    metadata: {},
    createdAt: T0,
  };
}

/** What a registration writes: the user and its audit event, through the given repositories. */
export async function register(repos: Repositories, user: NewUser): Promise<void> {
  await repos.users.create(user);
  await repos.audit.record(registered(user.id));
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

export function describeUnitOfWorkContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`UnitOfWork on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let uow: UnitOfWork;

    beforeAll(() => {
      uow = subject().uow;
    });

    it("commits everything the transaction wrote and returns fn's value", async () => {
      const user = newUser();
      const result = await uow.transaction(async (tx) => {
        await register(tx, user);
        // The transaction sees its own writes before commit.
        return (await tx.users.findById(user.id))?.id;
      });
      expect(result).toBe(user.id);
      expect(await uow.users.findById(user.id)).not.toBeNull();
      expect(await uow.audit.listForUser(user.id, { limit: 10 })).toHaveLength(1);
    });

    it("leaves no row behind when fn throws, and rethrows fn's error unchanged", async () => {
      const user = newUser();
      const boom = new Error("boom after writing");
      const err = await rejectionOf(
        uow.transaction(async (tx) => {
          await register(tx, user);
          throw boom;
        }),
      );
      expect(err).toBe(boom);
      expect(await uow.users.findById(user.id)).toBeNull();
      expect(await uow.audit.listForUser(user.id, { limit: 10 })).toEqual([]);
      expect(await subject().probe.auditEventCount(user.id)).toBe(0);
    });

    it("rolls back and surfaces USER_ALREADY_EXISTS when a write inside clashes", async () => {
      const taken = newUser();
      await uow.users.create(taken);
      const user = newUser({ email: taken.email });
      const err = await rejectionOf(
        uow.transaction(async (tx) => {
          await tx.audit.record(registered(taken.id));
          await tx.users.create(user);
        }),
      );
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).fieldViolations[0]?.field).toBe("email");
      expect(await uow.audit.listForUser(taken.id, { limit: 10 })).toEqual([]);
    });

    it("rolls back a raw revoke-all together with the rest of the transaction", async () => {
      const user = newUser();
      await uow.users.create(user);
      const session = {
        id: uuidv7(),
        userId: user.id,
        deviceName: "",
        userAgent: "",
        ipAddress: "",
        authMethod: "password",
        createdAt: T0,
        expiresAt: new Date(T0.getTime() + 3_600_000),
      };
      await uow.sessions.create(session);
      const boom = new Error("boom after revoking");
      const err = await rejectionOf(
        uow.transaction(async (tx) => {
          expect(await tx.sessions.revokeAllForUser(user.id, "password_changed", T0)).toEqual([session.id]);
          throw boom;
        }),
      );
      expect(err).toBe(boom);
      expect((await uow.sessions.findById(session.id))?.revokedAt).toBeNull();
      expect(await uow.transaction((tx) => tx.sessions.revokeAllForUser(user.id, "password_changed", T0))).toEqual([session.id]);
    });

    it("runs simultaneous transactions to completion (PGlite and memory queue them on their one connection)", async () => {
      const users = Array.from({ length: 5 }, () => newUser());
      await Promise.all(users.map((u) => uow.transaction((tx) => register(tx, u))));
      for (const u of users) expect(await uow.users.findById(u.id)).not.toBeNull();
    });
  });
}
