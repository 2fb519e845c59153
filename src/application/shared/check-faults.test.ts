/**
 * A fault inside a credential check (the database, an unsealable secret) is a fault: it
 * propagates as itself and is never audited or counted as a wrong code (issue 8, item 3).
 */
import { describe, expect, it } from "vitest";
import { countingLimiter, recordingAudit, recordingNotifier } from "../../../test/support/fakes.js";
import type { User } from "../../domain/user.js";
import { beginCredentialCheck } from "./credential-attempts.js";
import type { CoreDeps } from "./deps.js";
import { checkCode } from "./one-time-codes.js";
import { checkSecondFactor } from "./second-factor.js";

const ctx = { requestId: "r", ipAddress: "203.0.113.1", userAgent: "" };
const user = { id: "u1", email: "ada@example.com", phone: null, mfaEnabled: true, totpSecretEnc: "sealed" } as unknown as User;
const fault = new Error("connection reset");

function deps(overrides: { sealerThrows?: boolean; advanceThrows?: boolean; latestForThrows?: boolean; wrongTotp?: boolean }) {
  const audit = recordingAudit();
  let n = 0;
  const d = {
    loginFailures: countingLimiter(10),
    failureAudits: countingLimiter(30),
    notices: countingLimiter(5),
    settings: { lockoutSeconds: 900, otp: { ttlSeconds: 600, maxAttempts: 3, resendSeconds: 60 } } as CoreDeps["settings"],
    uow: {
      audit,
      users: {
        advanceTotpStep: async () => {
          if (overrides.advanceThrows) throw fault;
          return true;
        },
        findByIdentifier: async () => user,
      },
      recoveryCodes: { use: async () => false },
      otpCodes: {
        latestFor: async () => {
          if (overrides.latestForThrows) throw fault;
          return null;
        },
      },
    } as unknown as CoreDeps["uow"],
    clock: { now: () => new Date("2026-12-04T10:00:00Z") },
    ids: { newId: () => `id${++n}` },
    notifier: recordingNotifier(),
    report: () => {},
    sealer: {
      seal: (v: string) => v,
      open: () => {
        if (overrides.sealerThrows) throw fault;
        return "SECRET";
      },
    },
    totp: { match: () => (overrides.wrongTotp ? null : 42), generateSecret: () => "", uri: () => "" },
    codeHasher: { hash: () => "h", matches: () => false },
  } as unknown as CoreDeps;
  return { d, audit };
}

describe("a fault inside a check is not a wrong code", () => {
  for (const [name, o] of [
    ["an unsealable TOTP secret", { sealerThrows: true }],
    ["the database failing to record the TOTP step", { advanceThrows: true }],
  ] as const) {
    it(`${name}: the fault propagates, no mfa.failed is audited`, async () => {
      const { d, audit } = deps(o);
      const attempt = await beginCredentialCheck(d, ctx, "user:u1", { userId: "u1", type: "mfa.failed" });
      await expect(checkSecondFactor(d, ctx, attempt, user, "123456")).rejects.toBe(fault);
      expect(audit.rows.map((r) => r.type)).not.toContain("mfa.failed");
    });
  }

  it("a wrong TOTP code is MFA_INVALID and audited mfa.failed", async () => {
    const { d, audit } = deps({ wrongTotp: true });
    const attempt = await beginCredentialCheck(d, ctx, "user:u1", { userId: "u1", type: "mfa.failed" });
    await expect(checkSecondFactor(d, ctx, attempt, user, "123456")).rejects.toMatchObject({ reason: "MFA_INVALID" });
    expect(audit.rows.map((r) => r.type)).toEqual(["mfa.failed"]);
  });

  it("the code store failing: the fault propagates, no otp.failed is audited", async () => {
    const { d, audit } = deps({ latestForThrows: true });
    await expect(checkCode(d, ctx, { channel: "email", destination: "ada@example.com" }, "login", "123456")).rejects.toBe(fault);
    expect(audit.rows.map((r) => r.type)).not.toContain("otp.failed");
  });

  it("no code at all is OTP_INVALID and audited otp.failed", async () => {
    const { d, audit } = deps({});
    await expect(checkCode(d, ctx, { channel: "email", destination: "ada@example.com" }, "login", "123456")).rejects.toMatchObject({
      reason: "OTP_INVALID",
    });
    expect(audit.rows.map((r) => r.type)).toEqual(["otp.failed"]);
  });
});
