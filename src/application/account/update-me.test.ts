import { describe, expect, it } from "vitest";
import { flushBackground, makeDeps, principalFor, seedUser, testCtx, userRecord } from "../../../test/support/fakes.js";
import type { User } from "../../domain/user.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { UpdateMe, type UpdateMeInput } from "./update-me.js";

const SESSION = "00000000-0000-7000-8000-0000000000ee";

async function setup(overrides: Partial<User> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow, { phone: "+4915112345678", phoneVerified: true, ...overrides });
  const update = new UpdateMe(deps);
  const run = (input: Partial<UpdateMeInput>) =>
    update.execute({ fullName: "", username: "", email: "", phone: "", updateMask: [], ...input }, principalFor(user.id, SESSION), testCtx);
  const audit = async () => (await uow.rows()).auditEvents.map((e) => [e.type, e.metadata]);
  return { uow, deps, user, run, audit };
}

describe("UpdateMe — the update mask", () => {
  it("an empty mask is VALIDATION_FAILED on update_mask", async () => {
    const { run } = await setup();
    await expect(run({ fullName: "New" })).rejects.toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [{ field: "update_mask" }] });
  });

  it.each(["__proto__", "constructor", "toString", "password_hash", "id", "roles", "email_verified", "FULL_NAME"])(
    "%j is an unknown or read-only path: refused, nothing written",
    async (path) => {
      const { uow, user, run } = await setup();
      await expect(run({ fullName: "Mallory", updateMask: ["full_name", path] })).rejects.toMatchObject({
        reason: "VALIDATION_FAILED",
        fieldViolations: [{ field: "update_mask", description: expect.stringContaining("unknown or read-only") }],
      });
      expect(await uow.users.findById(user.id)).toEqual(user);
    },
  );

  it("accepts snake_case and lowerCamelCase, trims the name, and writes only masked fields", async () => {
    const { uow, deps, user, run, audit } = await setup();
    deps.clock.advance(1000);
    const out = await run({ fullName: "  Ada King  ", username: "ignored-not-masked", updateMask: ["fullName"] });
    expect(out).toMatchObject({ fullName: "Ada King", username: user.username, updatedAt: deps.clock.now() });
    expect(await uow.users.findById(user.id)).toEqual(out);
    expect(await audit()).toEqual([["user.updated", { fields: "full_name" }]]);
    await run({ fullName: "Ada K.", updateMask: ["full_name"] });
    expect((await uow.users.findById(user.id))?.fullName).toBe("Ada K.");
  });

  it("a value equal to the stored one is a no-op: the same user back, no write, no audit, nothing sent", async () => {
    const { uow, deps, user, run, audit } = await setup();
    deps.clock.advance(1000);
    const out = await run({ fullName: user.fullName, email: "ADA@example.com ", phone: "+49 151 1234 5678", updateMask: ["full_name", "email", "phone"] });
    expect(out).toEqual(user);
    expect(await uow.users.findById(user.id)).toEqual(user);
    expect(await audit()).toEqual([]);
    await flushBackground();
    expect(deps.notifier.sent).toEqual([]);
  });
});

describe("UpdateMe — field rules", () => {
  it.each([
    [{ fullName: "x".repeat(201), updateMask: ["full_name"] }, "full_name"],
    [{ fullName: "bad\u0000name", updateMask: ["full_name"] }, "full_name"],
    [{ fullName: "bidi\u202Ename", updateMask: ["full_name"] }, "full_name"],
    [{ username: "", updateMask: ["username"] }, "username"],
    [{ username: "a", updateMask: ["username"] }, "username"],
    [{ username: "Ad.Min", updateMask: ["username"] }, "username"],
    [{ email: "not-an-email", updateMask: ["email"] }, "email"],
    [{ phone: "0151 123", updateMask: ["phone"] }, "phone"],
  ])("%j is VALIDATION_FAILED on %s", async (input, field) => {
    const { run } = await setup();
    await expect(run(input)).rejects.toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [expect.objectContaining({ field })] });
  });

  it("a changed username is stored with its normalized form", async () => {
    const { run, audit } = await setup();
    const out = await run({ username: "Ada_L", updateMask: ["username"] });
    expect(out).toMatchObject({ username: "Ada_L", usernameNormalized: "ada_l" });
    expect(await audit()).toEqual([["user.updated", { fields: "username" }]]);
  });

  it("a username another account holds is USER_ALREADY_EXISTS and nothing is audited", async () => {
    const { uow, run, audit } = await setup();
    await seedUser(uow, userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }));
    await expect(run({ username: "BOB", updateMask: ["username"] })).rejects.toMatchObject({ reason: "USER_ALREADY_EXISTS" });
    expect(await audit()).toEqual([]);
  });
});

describe("UpdateMe — contacts", () => {
  it("a new email is unverified, the OLD contacts get the notice, the new address gets a verification code", async () => {
    const { deps, run, audit } = await setup();
    const out = await run({ email: "Ada.New@Example.com", updateMask: ["email"] });
    expect(out).toMatchObject({ email: "ada.new@example.com", emailVerified: false, phone: "+4915112345678", phoneVerified: true });
    expect(await audit()).toEqual([["user.updated", { fields: "email" }]]);
    await flushBackground();
    const notices = deps.notifier.sent.filter((n) => n.kind === "notice");
    expect(notices.map((n) => [n.channel, n.to, n.kind === "notice" && n.notice])).toEqual([
      ["email", "ada@example.com", "email_changed"],
      ["sms", "+4915112345678", "email_changed"],
    ]);
    const codes = deps.notifier.sent.filter((n) => n.kind === "code");
    expect(codes).toEqual([
      expect.objectContaining({ channel: "email", to: "ada.new@example.com", purpose: "verify_contact", code: expect.stringMatching(/^\d{6}$/) }),
    ]);
  });

  it("a new phone is unverified, `phone_changed` goes to the old contacts, an SMS code to the new phone", async () => {
    const { deps, run } = await setup();
    const out = await run({ phone: "+4917000000000", updateMask: ["phone"] });
    expect(out).toMatchObject({ phone: "+4917000000000", phoneVerified: false, emailVerified: true });
    await flushBackground();
    expect(deps.notifier.sent.filter((n) => n.kind === "notice").map((n) => n.to)).toEqual(["ada@example.com", "+4915112345678"]);
    expect(deps.notifier.sent.filter((n) => n.kind === "code").map((n) => [n.channel, n.to])).toEqual([["sms", "+4917000000000"]]);
  });

  it("removing one contact while the other remains is allowed (and sends no code)", async () => {
    const { deps, run } = await setup();
    const out = await run({ email: "", updateMask: ["email"] });
    expect(out).toMatchObject({ email: null, phone: "+4915112345678" });
    await flushBackground();
    expect(deps.notifier.sent.filter((n) => n.kind === "code")).toEqual([]);
    expect(deps.notifier.sent.filter((n) => n.kind === "notice").map((n) => n.to)).toEqual(["ada@example.com", "+4915112345678"]);
  });

  it("removing the last contact is refused on the field that would remove it", async () => {
    const { uow, user, run } = await setup({ phone: null, phoneVerified: false });
    await expect(run({ email: "", updateMask: ["email"] })).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "email", description: "an email or a phone must remain" }],
    });
    const phoneOnly = await setup({ email: null, emailVerified: false });
    await expect(phoneOnly.run({ phone: "", updateMask: ["phone"] })).rejects.toMatchObject({ fieldViolations: [{ field: "phone" }] });
    expect((await uow.users.findById(user.id))?.email).toBe("ada@example.com");
  });

  it("an email another account uses is USER_ALREADY_EXISTS on email, and nobody is told anything", async () => {
    const { uow, deps, run } = await setup();
    await seedUser(uow, userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }));
    await expect(run({ email: "bob@example.com", updateMask: ["email"] })).rejects.toMatchObject({
      reason: "USER_ALREADY_EXISTS",
      fieldViolations: [{ field: "email" }],
    });
    await flushBackground();
    expect(deps.notifier.sent).toEqual([]);
  });

  it("a verification code that cannot be sent is reported, the update still answers", async () => {
    const { deps, run } = await setup();
    const failure = new Error("smtp down");
    deps.notifier.send = async (n) => {
      if (n.kind === "code") throw failure;
    };
    await run({ email: "new@example.com", updateMask: ["email"] });
    await flushBackground();
    expect(deps.report.calls).toEqual([["verification code to email not sent", failure]]);
  });
});
