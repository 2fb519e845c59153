import { describe, expect, it } from "vitest";
import { countingLimiter, recordingAudit, recordingNotifier } from "../../../test/support/fakes.js";
import type { User } from "../../domain/user.js";
import { accountKey, beginCredentialCheck, credentialFailed, credentialSucceeded } from "./credential-attempts.js";
import type { CoreDeps } from "./deps.js";

const ctx = { requestId: "r", ipAddress: "203.0.113.1", userAgent: "" };
const user = { id: "u1", email: "ada@example.com", phone: "+4915112345678" } as User;

function deps(max = 3) {
  const audit = recordingAudit();
  const notifier = recordingNotifier();
  const events: string[] = [];
  let n = 0;
  const d = {
    loginFailures: countingLimiter(max),
    failureAudits: countingLimiter(2 * max),
    notices: countingLimiter(5),
    settings: { lockoutSeconds: 900 } as CoreDeps["settings"],
    uow: { audit } as unknown as CoreDeps["uow"],
    clock: { now: () => new Date("2026-12-04T10:00:00Z") },
    ids: { newId: () => `id${++n}` },
    notifier,
    report: () => {},
    securityEvents: { record: (event: string) => events.push(event) },
  };
  return { d, audit, notifier, events };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("credential attempts (one failure limit per account)", () => {
  it("counts each attempt before the check; the last one is flagged; past it ACCOUNT_LOCKED, audited as locked", async () => {
    const { d, audit } = deps(3);
    const key = accountKey(user.id);
    const flags = [];
    for (let i = 0; i < 3; i++) flags.push((await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" })).lastTry);
    expect(flags).toEqual([false, false, true]);
    const locked = await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" }).catch((e: unknown) => e);
    expect(locked).toMatchObject({ reason: "ACCOUNT_LOCKED", retryAfterSeconds: 900 });
    expect(audit.rows.map((r) => [r.type, r.metadata])).toEqual([["login.failed", { reason: "locked" }]]);
    // Refused attempts are not counted.
    expect(d.loginFailures.keys).toHaveLength(3);
  });

  it("a failure on the last try audits the lock, counts it for /metrics and notifies every contact once", async () => {
    const { d, audit, notifier, events } = deps(2);
    const key = accountKey(user.id);
    const first = await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" });
    await credentialFailed(d, ctx, first, { type: "password.check_failed", user });
    expect(audit.rows.map((r) => r.type)).toEqual(["password.check_failed"]);
    expect(events).toEqual([]);
    const last = await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" });
    await credentialFailed(d, ctx, last, { type: "mfa.failed", user });
    await settle();
    expect(audit.rows.map((r) => r.type)).toEqual(["password.check_failed", "mfa.failed", "account.locked"]);
    expect(events).toEqual(["account_locked"]);
    expect(notifier.sent.map((n) => [n.kind, n.to])).toEqual([
      ["notice", "ada@example.com"],
      ["notice", "+4915112345678"],
    ]);
  });

  it("an unknown identifier is counted and locked without any notice", async () => {
    const { d, notifier, events } = deps(1);
    const attempt = await beginCredentialCheck(d, ctx, "ident:username:ghost", { userId: null, type: "login.failed" });
    await credentialFailed(d, ctx, attempt, { type: "login.failed", user: null });
    await settle();
    await expect(beginCredentialCheck(d, ctx, "ident:username:ghost", { userId: null, type: "login.failed" })).rejects.toMatchObject({
      reason: "ACCOUNT_LOCKED",
    });
    expect(notifier.sent).toEqual([]);
    // No account was locked: only its identifier's key (locks of accounts are what operators count).
    expect(events).toEqual([]);
  });

  it("a success clears the count", async () => {
    const { d } = deps(2);
    const key = accountKey(user.id);
    await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" });
    const ok = await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" });
    await credentialSucceeded(d, ok);
    expect((await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" })).lastTry).toBe(false);
  });

  it("caps the failure audit rows per key", async () => {
    const { d, audit } = deps(2); // audit cap 4
    const key = accountKey(user.id);
    for (let i = 0; i < 10; i++) await beginCredentialCheck(d, ctx, key, { userId: user.id, type: "login.failed" }).catch(() => {});
    expect(audit.rows.length).toBe(4);
  });
});
