import { describe, expect, it } from "vitest";
import { testCtx as ctx, principalFor } from "../../../test/support/fakes.js";
import { rejection, seedTotp, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { EnrollTotp } from "./enroll-totp.js";

const SESSION = "00000000-0000-7000-b000-000000000001";

function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  return { uow, deps, enroll: new EnrollTotp(deps) };
}

describe("EnrollTotp", () => {
  it("stores a new secret sealed to the account, leaves the factor off, bumps authVersion, audits", async () => {
    const { uow, deps, enroll } = setup();
    const user = await seedUser(deps, { username: "ada", email: "ada@example.com" });
    const out = await enroll.execute(principalFor(user.id, SESSION), ctx);
    expect(out).toEqual({ secret: "TOTPSECRET", otpauthUri: "otpauth://totp/ada%40example.com?secret=TOTPSECRET" });
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ mfaEnabled: false, totpLastStep: null, authVersion: user.authVersion + 1 });
    expect(rows.users[0]?.totpSecretEnc).not.toBe("TOTPSECRET");
    expect(deps.sealer.open(rows.users[0]!.totpSecretEnc!, `totp:${user.id}`)).toBe("TOTPSECRET");
    expect(() => deps.sealer.open(rows.users[0]!.totpSecretEnc!, "totp:someone-else")).toThrow();
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.sessionId])).toEqual([["mfa.enrolled", user.id, SESSION]]);
  });

  it("names the account by username when it has no email", async () => {
    const { deps, enroll } = setup();
    const user = await seedUser(deps, { username: "ada", email: null, phone: "+4915112345678" });
    expect((await enroll.execute(principalFor(user.id, SESSION), ctx)).otpauthUri).toContain("totp/ada?");
  });

  it("refuses while the factor is on, and for a gone account", async () => {
    const { uow, deps, enroll } = setup();
    const on = await seedTotp(deps, await seedUser(deps, { username: "ada" }));
    const gone = await seedUser(deps, { username: "bob", deletedAt: deps.clock.now() });
    expect((await rejection(enroll.execute(principalFor(on.id, SESSION), ctx))).reason).toBe("MFA_STATE_CONFLICT");
    expect((await rejection(enroll.execute(principalFor(gone.id, SESSION), ctx))).reason).toBe("USER_NOT_FOUND");
    expect((await uow.rows()).auditEvents).toEqual([]);
  });
});
