import { describe, expect, it } from "vitest";
import { testCtx as ctx, flushBackground } from "../../../test/support/fakes.js";
import { PASSWORD, rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import type { CodeNotification } from "../ports/delivery.js";
import type { AuthSettings } from "../shared/settings.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { Register, type RegisterInput } from "./register.js";

function setup(settings: Partial<AuthSettings> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow, { settings });
  return { uow, deps, register: new Register(deps) };
}

const input = (over: Partial<RegisterInput> = {}): RegisterInput => ({
  username: "Ada_L",
  email: " Ada@Example.com ",
  phone: "+49 151 1234-5678",
  password: PASSWORD,
  fullName: "  Ada Lovelace ",
  deviceName: "laptop",
  ...over,
});

const fields = (e: { fieldViolations?: { field: string }[] }) => e.fieldViolations?.map((v) => v.field).sort();

describe("Register", () => {
  it("lists every bad field in one VALIDATION_FAILED, before any hash or write", async () => {
    const { uow, deps, register } = setup();
    const e = await rejection(
      register.execute(input({ username: "", email: "", phone: "", password: "", fullName: "x".repeat(201), deviceName: "\u0007" }), ctx),
    );
    expect(e.reason).toBe("VALIDATION_FAILED");
    expect(fields(e)).toEqual(["device_name", "email", "full_name", "password", "username"]);
    const malformed = await rejection(register.execute(input({ username: "a b", email: "not-an-email", phone: "12345", fullName: "Ada\u202e" }), ctx));
    expect(fields(malformed)).toEqual(["email", "full_name", "phone", "username"]);
    expect(fields(await rejection(register.execute(input({ username: "Ad.Min" }), ctx)))).toEqual(["username"]);
    expect(deps.hasher.calls).toEqual([]);
    expect(deps.ipAttempts.keys).toEqual([]);
    expect((await uow.rows()).users).toEqual([]);
  });

  it.each([
    ["too short", "short1"],
    ["too long", "p".repeat(129)],
    ["common", "password1"],
    ["the username", "ada_lovelace"],
    ["the email's local part", "ADA.Lovelace"],
  ])("refuses a password that is %s with PASSWORD_TOO_WEAK on password, hashing nothing", async (_why, password) => {
    const { uow, deps, register } = setup();
    const e = await rejection(register.execute(input({ username: "Ada_Lovelace", email: "ada.lovelace@example.com", password }), ctx));
    expect(e.reason).toBe("PASSWORD_TOO_WEAK");
    expect(fields(e)).toEqual(["password"]);
    expect(deps.hasher.calls).toEqual([]);
    expect((await uow.rows()).users).toEqual([]);
  });

  it("accepts long passphrases with spaces and emoji, stored hashed in NFKC form", async () => {
    const { uow, register } = setup();
    const password = `${"ﬁne 🦄 words ".repeat(9)}`.slice(0, 100);
    const out = await register.execute(input({ password }), ctx);
    const stored = (await uow.rows()).users.find((u) => u.id === out.user.id);
    expect(stored?.passwordHash).toBe(`h:${password.normalize("NFKC")}`);
    expect(stored?.passwordHash).not.toBe(`h:${password}`);
  });

  it("creates the account with normalized contacts, opens a first session and audits user.registered", async () => {
    const { uow, deps, register } = setup();
    const out = await register.execute(input(), ctx);
    expect(out.user).toMatchObject({
      username: "Ada_L",
      usernameNormalized: "ada_l",
      email: "ada@example.com",
      phone: "+4915112345678",
      fullName: "Ada Lovelace",
      emailVerified: false,
      phoneVerified: false,
      roles: ["user"],
      plan: "free",
    });
    expect(out.session).toMatchObject({ userId: out.user.id, authMethod: "password", deviceName: "laptop" });
    expect(out.tokens?.accessToken).toBe(deps.tokens.issued[0]?.token);
    expect(deps.tokens.issued[0]).toMatchObject({ userId: out.user.id, sessionId: out.session?.id });
    const rows = await uow.rows();
    expect(rows.sessions.map((s) => s.id)).toEqual([out.session?.id]);
    expect(rows.refreshTokens).toHaveLength(1);
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.requestId])).toEqual([["user.registered", out.user.id, ctx.requestId]]);
    expect(deps.hasher.calls).toEqual(["hash"]);
  });

  it("sends a VERIFY_CONTACT code to the email and the phone in the background", async () => {
    const { uow, deps, register } = setup();
    const out = await register.execute(input(), ctx);
    await flushBackground();
    const codes = deps.notifier.sent as CodeNotification[];
    expect(codes.map((n) => [n.kind, n.purpose, n.channel, n.to])).toEqual([
      ["code", "verify_contact", "email", "ada@example.com"],
      ["code", "verify_contact", "sms", "+4915112345678"],
    ]);
    expect(codes.every((n) => /^\d{6}$/.test(n.code ?? ""))).toBe(true);
    const stored = (await uow.rows()).otpCodes;
    expect(stored.map((c) => [c.userId, c.purpose, c.destination])).toEqual(
      expect.arrayContaining([
        [out.user.id, "verify_contact", "ada@example.com"],
        [out.user.id, "verify_contact", "+4915112345678"],
      ]),
    );
    // Only a hash of each code, bound to its purpose and destination, is stored.
    for (const n of codes) {
      const row = stored.find((c) => c.destination === n.to);
      expect(row?.codeHash).toBe(deps.codeHasher.hash(n.code ?? "", `otp:verify_contact:${n.to}`));
      expect(row?.codeHash).not.toBe(n.code);
    }
  });

  it("never waits on the mail or SMS provider, and a failed send is only reported", async () => {
    const hung = setup();
    hung.deps.notifier = { sent: [], send: () => new Promise<void>(() => {}) };
    await expect(new Register(hung.deps).execute(input(), ctx)).resolves.toMatchObject({ user: { username: "Ada_L" } });

    const failing = setup();
    failing.deps.notifier = {
      sent: [],
      send: async () => {
        throw new Error("provider down");
      },
    };
    await expect(new Register(failing.deps).execute(input(), ctx)).resolves.toBeDefined();
    await flushBackground();
    expect(failing.deps.report.calls.map(([m]) => m)).toEqual(["verification code to email not sent", "verification code to sms not sent"]);
  });

  it("with requireVerifiedContact, the account is created but no session or token is given", async () => {
    const { uow, deps, register } = setup({ requireVerifiedContact: true });
    const out = await register.execute(input(), ctx);
    expect(out.session).toBeNull();
    expect(out.tokens).toBeNull();
    expect(deps.tokens.issued).toEqual([]);
    const rows = await uow.rows();
    expect(rows.users).toHaveLength(1);
    expect(rows.sessions).toEqual([]);
    expect(rows.refreshTokens).toEqual([]);
    await flushBackground();
    expect(deps.notifier.sent.map((n) => n.to)).toEqual(["ada@example.com", "+4915112345678"]);
  });

  it.each([
    ["username", { username: "ADA_l", email: "other@example.com", phone: "" }],
    ["email", { username: "someone", email: "ADA@example.com", phone: "" }],
    ["phone", { username: "someone", email: "", phone: "+4915112345678" }],
  ])("a taken %s answers USER_ALREADY_EXISTS on that field only, and writes nothing", async (field, over) => {
    const { uow, deps, register } = setup();
    await seedUser(deps, { username: "Ada_L", email: "ada@example.com", phone: "+4915112345678" });
    const before = await uow.rows();
    const e = await rejection(register.execute(input(over), ctx));
    expect(e.reason).toBe("USER_ALREADY_EXISTS");
    expect(e.fieldViolations).toEqual([{ field, description: expect.any(String) }]);
    const after = await uow.rows();
    expect(after.users).toEqual(before.users);
    expect(after.sessions).toEqual([]);
    expect(after.auditEvents).toEqual([]);
    await flushBackground();
    expect(deps.notifier.sent).toEqual([]);
  });

  it("a database known to be down refuses before the password is hashed", async () => {
    const { uow, deps, register } = setup();
    uow.setAvailable(false);
    await expect(register.execute(input(), ctx)).rejects.toMatchObject({ name: "DependencyUnavailableError" });
    expect(deps.hasher.calls).toEqual([]);
  });

  it("counts the attempt against the caller's IP", async () => {
    const { deps, register } = setup();
    await register.execute(input(), ctx);
    expect(deps.ipAttempts.keys).toEqual([`ip:${ctx.ipAddress}`]);
  });
});
