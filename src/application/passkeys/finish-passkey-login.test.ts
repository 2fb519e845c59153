import { describe, expect, it } from "vitest";
import { fakeAssertion } from "../../../test/support/fake-webauthn.js";
import { testCtx } from "../../../test/support/fakes.js";
import { passkeyWorld, seedPasskey } from "../../../test/support/passkeys-kit.js";
import { afterNextCall, rejection, seedTotp, seedUser } from "../../../test/support/use-case-deps.js";
import type { StoredPasskey } from "../ports/sign-in-methods.js";
import { FinishPasskeyLogin } from "./finish-passkey-login.js";
import { StartPasskeyLogin } from "./start-passkey-login.js";

async function world(fields: Parameters<typeof passkeyWorld>[0] = {}, passkey: Partial<StoredPasskey> = {}) {
  const w = await passkeyWorld(fields);
  const key = await seedPasskey(w.deps, w.user, passkey);
  const start = async (identifier = "") => new StartPasskeyLogin(w.deps).execute({ identifier }, testCtx);
  const finish = new FinishPasskeyLogin(w.deps);
  return { ...w, key, start, finish };
}

const answer = (e: { reason?: string; message: string }) => ({ reason: e.reason, message: e.message });

describe("FinishPasskeyLogin", () => {
  it("a verified assertion signs in: a session with auth_method passkey, the counter and last use recorded, audited", async () => {
    const { uow, deps, user, key, start, finish } = await world({}, { counter: 4 });
    const { options, flowId } = await start();
    deps.clock.advanceSeconds(10);
    const out = await finish.execute({ flowId, response: fakeAssertion(options, key.credentialId, { counter: 5 }), deviceName: "phone" }, testCtx);
    expect(out.user.id).toBe(user.id);
    expect(out.session).toMatchObject({ userId: user.id, authMethod: "passkey", deviceName: "phone" });
    expect(out.tokens.accessToken).toEqual(expect.any(String));
    const rows = await uow.rows();
    expect(rows.passkeys[0]).toMatchObject({ counter: 5, lastUsedAt: deps.clock.now() });
    expect(rows.auditEvents.filter((a) => a.type === "login.succeeded").map((a) => a.metadata)).toEqual([{ method: "passkey", passkey_id: key.id }]);
  });

  it("satisfies the second factor: no TOTP code is asked", async () => {
    const { deps, user, key, start, finish } = await world();
    await seedTotp(deps, user);
    const { options, flowId } = await start(user.username);
    const out = await finish.execute({ flowId, response: fakeAssertion(options, key.credentialId), deviceName: "" }, testCtx);
    expect(out.session.authMethod).toBe("passkey");
  });

  it("the flow works once: a replayed flow id is PASSKEY_CHALLENGE_INVALID, nothing verified", async () => {
    const { deps, key, start, finish } = await world();
    const { options, flowId } = await start();
    const response = fakeAssertion(options, key.credentialId);
    await finish.execute({ flowId, response, deviceName: "" }, testCtx);
    const e = await rejection(finish.execute({ flowId, response, deviceName: "" }, testCtx));
    expect(e.reason).toBe("PASSKEY_CHALLENGE_INVALID");
    expect(deps.webauthn.verified).toHaveLength(1);
  });

  it("unknown credential, wrong signature, another flow's challenge, another account's passkey: one PASSKEY_INVALID answer, no session", async () => {
    const { uow, deps, user, key, start, finish } = await world();
    const other = await seedUser(deps);
    const theirs = await seedPasskey(deps, other);
    const attempts = [
      async () => {
        const { options, flowId } = await start();
        return { flowId, response: fakeAssertion(options, "never-registered") };
      },
      async () => {
        const { options, flowId } = await start();
        return { flowId, response: fakeAssertion(options, key.credentialId, { signature: "forged" }) };
      },
      async () => {
        const first = await start();
        const { flowId } = await start();
        return { flowId, response: fakeAssertion(first.options, key.credentialId) };
      },
      async () => {
        // Started for ada, answered with bob's passkey.
        const { options, flowId } = await start(user.username);
        return { flowId, response: fakeAssertion(options, theirs.credentialId) };
      },
    ];
    const answers = [];
    for (const make of attempts) answers.push(answer(await rejection(finish.execute({ ...(await make()), deviceName: "" }, testCtx))));
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ reason: "PASSKEY_INVALID", message: "The passkey could not be verified" })]),
    );
    const rows = await uow.rows();
    expect(rows.sessions.filter((s) => s.authMethod === "passkey")).toEqual([]);
    // Known credentials' failures are audited and counted for their owner; the unknown one has no owner.
    expect(rows.auditEvents.filter((a) => a.type === "passkey.failed").map((a) => [a.userId, a.metadata.reason])).toEqual([
      [user.id, "not_verified"],
      [user.id, "not_verified"],
    ]);
    expect((await deps.loginFailures.peek(`user:${user.id}`)).remaining).toBe(3);
  });

  it("a counter that does not move forward marks the passkey as possibly cloned: refused, audited, counted", async () => {
    const { uow, deps, user, key, start, finish } = await world({}, { counter: 7 });
    for (const counter of [7, 3]) {
      const { options, flowId } = await start();
      const e = await rejection(finish.execute({ flowId, response: fakeAssertion(options, key.credentialId, { counter }), deviceName: "" }, testCtx));
      expect(e.reason).toBe("PASSKEY_INVALID");
    }
    const rows = await uow.rows();
    expect(rows.sessions.filter((s) => s.authMethod === "passkey")).toEqual([]);
    expect(rows.passkeys[0]?.counter).toBe(7);
    expect(rows.auditEvents.filter((a) => a.type === "passkey.failed").map((a) => a.metadata)).toEqual([
      { reason: "counter_not_increased", possibly_cloned: true, passkey_id: key.id, stored_counter: 7, counter: 7 },
      { reason: "counter_not_increased", possibly_cloned: true, passkey_id: key.id, stored_counter: 7, counter: 3 },
    ]);
    expect((await deps.loginFailures.peek(`user:${user.id}`)).remaining).toBe(3);
  });

  it("a counter of zero on both sides (an authenticator without one) is accepted", async () => {
    const { key, start, finish } = await world();
    for (let i = 0; i < 2; i++) {
      const { options, flowId } = await start();
      await finish.execute({ flowId, response: fakeAssertion(options, key.credentialId), deviceName: "" }, testCtx);
    }
  });

  it("failures lock the account: past the limit even a right assertion answers ACCOUNT_LOCKED, unverified", async () => {
    const { deps, key, start, finish } = await world();
    for (let i = 0; i < 5; i++) {
      const { options, flowId } = await start();
      const e = await rejection(finish.execute({ flowId, response: fakeAssertion(options, key.credentialId, { signature: "x" }), deviceName: "" }, testCtx));
      expect(e.reason).toBe("PASSKEY_INVALID");
    }
    const verifiedBefore = deps.webauthn.verified.length;
    const { options, flowId } = await start();
    expect((await rejection(finish.execute({ flowId, response: fakeAssertion(options, key.credentialId), deviceName: "" }, testCtx))).reason).toBe(
      "ACCOUNT_LOCKED",
    );
    expect(deps.webauthn.verified.length).toBe(verifiedBefore);
  });

  it("a disabled or deleted account: ACCOUNT_DISABLED only after the passkey verified, no session", async () => {
    for (const fields of [{ isActive: false }, { isActive: false, deletedAt: new Date("2026-01-01T00:00:00Z") }]) {
      const { uow, key, start, finish } = await world(fields);
      const bad = await start();
      expect(
        (
          await rejection(
            finish.execute({ flowId: bad.flowId, response: fakeAssertion(bad.options, key.credentialId, { signature: "x" }), deviceName: "" }, testCtx),
          )
        ).reason,
      ).toBe("PASSKEY_INVALID");
      const { options, flowId } = await start();
      expect((await rejection(finish.execute({ flowId, response: fakeAssertion(options, key.credentialId), deviceName: "" }, testCtx))).reason).toBe(
        "ACCOUNT_DISABLED",
      );
      expect((await uow.rows()).sessions.filter((s) => s.authMethod === "passkey")).toEqual([]);
    }
  });

  it("of two uses of one counter value only the first opens a session (the conditional counter write)", async () => {
    const { uow, deps, key, start, finish } = await world({}, { counter: 1 });
    const a = await start();
    const b = await start();
    // The second login read the passkey (counter 1) before the first committed counter 2.
    afterNextCall(deps.uow.passkeys, "findByCredentialId", () =>
      finish.execute({ flowId: a.flowId, response: fakeAssertion(a.options, key.credentialId, { counter: 2 }), deviceName: "" }, testCtx),
    );
    const e = await rejection(
      finish.execute({ flowId: b.flowId, response: fakeAssertion(b.options, key.credentialId, { counter: 2 }), deviceName: "" }, testCtx),
    );
    expect(e.reason).toBe("PASSKEY_INVALID");
    expect((await uow.rows()).sessions.filter((s) => s.authMethod === "passkey")).toHaveLength(1);
  });

  it("with AUTH__REQUIRE_VERIFIED_CONTACT, an account with no proven contact is told so once the passkey verified", async () => {
    const w = await passkeyWorld({ emailVerified: false });
    const key = await seedPasskey(w.deps, w.user);
    w.deps.settings = { ...w.deps.settings, requireVerifiedContact: true };
    const { options, flowId } = await new StartPasskeyLogin(w.deps).execute({ identifier: "" }, testCtx);
    const e = await rejection(new FinishPasskeyLogin(w.deps).execute({ flowId, response: fakeAssertion(options, key.credentialId), deviceName: "" }, testCtx));
    expect(e.reason).toBe("CONTACT_NOT_VERIFIED");
  });

  it("validates the request before taking the flow", async () => {
    const { deps, finish } = await world();
    const e = await rejection(finish.execute({ flowId: "", response: {}, deviceName: "x".repeat(101) }, testCtx));
    expect(e.fieldViolations?.map((v) => v.field).sort()).toEqual(["device_name", "flow_id", "response"]);
    expect(deps.ipAttempts.keys).toEqual([]);
  });
});
