import { describe, expect, it } from "vitest";
import { testCtx as ctx } from "../../../test/support/fakes.js";
import { afterNextCall, lastCodeTo, PASSWORD, rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import type { OtpPurpose } from "../ports/delivery.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { RequestOtp } from "./request-otp.js";
import { VerifyContact } from "./verify-contact.js";

const EMAIL = "ada@example.com";
const PHONE = "+4915112345678";

function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  const requestOtp = new RequestOtp(deps);
  const codeFor = async (contact: { email: string } | { phone: string }, purpose: OtpPurpose = "verify_contact") => {
    await requestOtp.execute({ ...contact, purpose }, ctx);
    return lastCodeTo(deps.notifier.sent, "email" in contact ? contact.email : contact.phone);
  };
  return { uow, deps, codeFor, verify: new VerifyContact(deps) };
}

const other = (code: string) => (code === "000000" ? "111111" : "000000");

describe("VerifyContact", () => {
  it("refuses malformed input before counting anything", async () => {
    const { deps, verify } = setup();
    const e = await rejection(verify.execute({ email: "", phone: "", code: "12 34" }, ctx));
    expect(e.fieldViolations?.map((v) => v.field).sort()).toEqual(["code", "email"]);
    expect(deps.ipAttempts.keys).toEqual([]);
  });

  it("a right code marks the email verified, keeps the password and how the account signs in, audited, single use", async () => {
    const { uow, deps, codeFor, verify } = setup();
    const user = await seedUser(deps, { username: "ada", email: EMAIL, emailVerified: false, phone: PHONE });
    const code = await codeFor({ email: EMAIL });
    await verify.execute({ email: EMAIL, code }, ctx);
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ emailVerified: true, phoneVerified: false, passwordHash: `h:${PASSWORD}`, authVersion: user.authVersion });
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.metadata])).toEqual([["contact.verified", user.id, { channel: "email" }]]);
    expect((await rejection(verify.execute({ email: EMAIL, code }, ctx))).reason).toBe("OTP_INVALID");
  });

  it("a right code to the phone marks the phone verified", async () => {
    const { uow, deps, codeFor, verify } = setup();
    await seedUser(deps, { username: "ada", email: EMAIL, phone: PHONE, emailVerified: false });
    await verify.execute({ phone: PHONE, code: await codeFor({ phone: PHONE }) }, ctx);
    expect((await uow.rows()).users[0]).toMatchObject({ emailVerified: false, phoneVerified: true });
  });

  it("a wrong code, or a code of another purpose, answers OTP_INVALID and is audited otp.failed", async () => {
    const { uow, deps, codeFor, verify } = setup();
    const user = await seedUser(deps, { username: "ada", email: EMAIL, emailVerified: false });
    const login = await codeFor({ email: EMAIL }, "login");
    expect((await rejection(verify.execute({ email: EMAIL, code: login }, ctx))).reason).toBe("OTP_INVALID");
    deps.clock.advanceSeconds(60);
    const code = await codeFor({ email: EMAIL });
    expect((await rejection(verify.execute({ email: EMAIL, code: other(code) }, ctx))).reason).toBe("OTP_INVALID");
    const rows = await uow.rows();
    expect(rows.users[0]?.emailVerified).toBe(false);
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.metadata])).toEqual([
      ["otp.failed", user.id, { purpose: "verify_contact" }],
      ["otp.failed", user.id, { purpose: "verify_contact" }],
    ]);
    expect(deps.loginFailures.keys).toEqual([`user:${user.id}`, `user:${user.id}`]);
  });

  it("is conditional on the contact: an address changed after the check stays unverified", async () => {
    const { uow, deps, codeFor, verify } = setup();
    const user = await seedUser(deps, { username: "ada", email: EMAIL, emailVerified: false });
    const code = await codeFor({ email: EMAIL });
    afterNextCall(uow.users, "findById", () => uow.users.update(user.id, { email: "new@example.com", updatedAt: deps.clock.now() }));
    expect((await rejection(verify.execute({ email: EMAIL, code }, ctx))).reason).toBe("OTP_INVALID");
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ email: "new@example.com", emailVerified: false });
    expect(rows.auditEvents.map((a) => a.type)).not.toContain("contact.verified");
  });
});
