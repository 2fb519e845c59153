// What the memory unit of work does beyond the shared contracts (test/contract/suites, which
// it passes next to PGlite and PostgreSQL): its test hooks, its guard against using the root
// repositories inside a transaction, the schema rules it keeps, and copies in and out.
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError, DomainError } from "../../domain/errors.js";
import type { NewUser } from "../ports/users.js";
import { createMemoryUnitOfWork } from "./memory-unit-of-work.js";

const T0 = new Date("2026-01-15T12:00:00.000Z");
let n = 0;
const id = () => `00000000-0000-7000-8000-${(++n).toString(16).padStart(12, "0")}`;

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const userId = id();
  return {
    id: userId,
    username: `U${userId}`,
    usernameNormalized: `u${userId}`,
    email: `${userId}@example.com`,
    phone: null,
    fullName: "",
    passwordHash: null,
    roles: ["user"],
    plan: "free",
    createdAt: T0,
    ...overrides,
  };
}

const session = (userId: string) => ({
  id: id(),
  userId,
  deviceName: "",
  userAgent: "",
  ipAddress: "",
  authMethod: "password",
  createdAt: T0,
  expiresAt: new Date(T0.getTime() + 3_600_000),
});

describe("createMemoryUnitOfWork", () => {
  it("hands out copies: changing what went in or came out changes nothing stored", async () => {
    const uow = createMemoryUnitOfWork();
    const input = newUser();
    const created = await uow.users.create(input);
    input.roles.push("admin");
    created.roles.push("admin");
    created.createdAt.setTime(0);
    const found = await uow.users.findById(input.id);
    expect(found?.roles).toEqual(["user"]);
    expect(found?.createdAt).toEqual(T0);
  });

  it("refuses the root repositories inside transaction(fn) at once, and commits nothing", async () => {
    const uow = createMemoryUnitOfWork();
    const user = newUser();
    const err = await uow
      .transaction(async (tx) => {
        await tx.users.create(user);
        await uow.users.findById(user.id);
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/inside transaction\(fn\)/);
    expect(await uow.users.findById(user.id)).toBeNull();
    await expect(uow.transaction(() => uow.transaction(async () => 1))).rejects.toThrow(/nested transaction/);
  });

  it("refuses a transaction's repositories once it has settled", async () => {
    const uow = createMemoryUnitOfWork();
    const leaked = await uow.transaction(async (tx) => tx);
    await expect(leaked.users.findById(id())).rejects.toThrow(/already closed/);
  });

  it("runs transactions one at a time, so two read-modify-writes never lose an update", async () => {
    const uow = createMemoryUnitOfWork();
    const user = await uow.users.create(newUser({ fullName: "" }));
    const append = (suffix: string) =>
      uow.transaction(async (tx) => {
        const current = await tx.users.findById(user.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return tx.users.update(user.id, { fullName: `${current?.fullName}${suffix}`, updatedAt: T0 });
      });
    await Promise.all([append("a"), append("b"), uow.users.update(user.id, { fullName: "root", updatedAt: T0 })]);
    // FIFO: a, then b on top of a, then the root statement that was asked for last.
    expect((await uow.users.findById(user.id))?.fullName).toBe("root");
    const again = await Promise.all([append("x"), append("y")]);
    expect(again.map((u) => u.fullName)).toEqual(["rootx", "rootxy"]);
  });

  it("keeps the foreign keys of the schema", async () => {
    const uow = createMemoryUnitOfWork();
    await expect(uow.sessions.create(session(id()))).rejects.toThrow(/Foreign key/);
    await expect(uow.refreshTokens.insert({ id: id(), sessionId: id(), tokenHash: "h", generation: 0, createdAt: T0, expiresAt: T0 })).rejects.toThrow(
      /Foreign key/,
    );
    await expect(
      uow.audit.record({
        id: id(),
        userId: id(),
        type: "login.succeeded",
        outcome: "success",
        ipAddress: "",
        userAgent: "",
        requestId: "",
        sessionId: null,
        metadata: {},
        createdAt: T0,
      }),
    ).rejects.toThrow(/Foreign key/);
    await expect(uow.recoveryCodes.replaceAll(id(), [{ id: id(), codeHash: "c" }], T0)).rejects.toThrow(/Foreign key/);
  });

  it("rejects a second user with the same id as the primary key would, naming no field", async () => {
    const uow = createMemoryUnitOfWork();
    const user = newUser();
    await uow.users.create(user);
    const err = await uow.users.create(newUser({ id: user.id })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ reason: "USER_ALREADY_EXISTS", fieldViolations: [] });
  });

  it("deleteUserRow cascades as the schema says and keeps the audit trail", async () => {
    const uow = createMemoryUnitOfWork();
    const user = await uow.users.create(newUser());
    const s = await uow.sessions.create(session(user.id));
    await uow.refreshTokens.insert({ id: id(), sessionId: s.id, tokenHash: "h", generation: 0, createdAt: T0, expiresAt: T0 });
    await uow.recoveryCodes.replaceAll(user.id, [{ id: id(), codeHash: "c" }], T0);
    await uow.otpCodes.insert({
      id: id(),
      userId: user.id,
      purpose: "login",
      channel: "email",
      destination: "d",
      codeHash: "x",
      createdAt: T0,
      expiresAt: T0,
    });
    const eventId = id();
    await uow.audit.record({
      id: eventId,
      userId: user.id,
      type: "login.succeeded",
      outcome: "success",
      ipAddress: "",
      userAgent: "",
      requestId: "",
      sessionId: s.id,
      metadata: {},
      createdAt: T0,
    });
    expect(await uow.deleteUserRow(user.id)).toBe(true);
    const rows = await uow.rows();
    expect([rows.users, rows.sessions, rows.refreshTokens, rows.recoveryCodes, rows.otpCodes]).toEqual([[], [], [], [], []]);
    expect(rows.auditEvents.map((e) => [e.id, e.userId])).toEqual([[eventId, null]]);
    expect(await uow.deleteUserRow(user.id)).toBe(false);
  });

  it("while unavailable, every call fails with DependencyUnavailableError and a transaction commits nothing", async () => {
    const uow = createMemoryUnitOfWork();
    const user = newUser();
    uow.setAvailable(false);
    expect(() => uow.ensureAvailable()).toThrow(DependencyUnavailableError);
    await expect(uow.users.findById(user.id)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(uow.transaction((tx) => tx.users.create(user))).rejects.toMatchObject({ dependency: "database" });
    uow.setAvailable(true);
    expect(() => uow.ensureAvailable()).not.toThrow();
    // The database going away between fn's writes and the commit: nothing is written.
    await expect(
      uow.transaction(async (tx) => {
        await tx.users.create(user);
        uow.setAvailable(false);
      }),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
    uow.setAvailable(true);
    expect(await uow.users.findById(user.id)).toBeNull();
  });
});
