import { describe, expect, it } from "vitest";
import { fakeRegistration } from "../../../test/support/fake-webauthn.js";
import { flushBackground, testCtx } from "../../../test/support/fakes.js";
import { passkeyWorld, seedPasskey } from "../../../test/support/passkeys-kit.js";
import { noticesSent, rejection } from "../../../test/support/use-case-deps.js";
import { FinishPasskeyRegistration } from "./finish-passkey-registration.js";
import { StartPasskeyRegistration } from "./start-passkey-registration.js";

async function started() {
  const world = await passkeyWorld();
  const { options } = await new StartPasskeyRegistration(world.deps).execute(world.principal);
  return { ...world, options, finish: new FinishPasskeyRegistration(world.deps) };
}

describe("FinishPasskeyRegistration", () => {
  it("stores the verified credential, bumps authVersion in the same write, audits and tells the contacts", async () => {
    const { uow, deps, user, principal, options, finish } = await started();
    deps.clock.advanceSeconds(30);
    const passkey = await finish.execute({ response: fakeRegistration(options, "cred-new"), name: " Laptop " }, principal, testCtx);
    expect(passkey).toMatchObject({ userId: user.id, credentialId: "cred-new", name: "Laptop", counter: 0, createdAt: deps.clock.now(), lastUsedAt: null });
    const rows = await uow.rows();
    expect(rows.passkeys.map((p) => p.id)).toEqual([passkey.id]);
    expect(rows.users.find((u) => u.id === user.id)?.authVersion).toBe(user.authVersion + 1);
    expect(rows.auditEvents.filter((a) => a.type === "passkey.registered").map((a) => [a.userId, a.sessionId, a.metadata.passkey_id])).toEqual([
      [user.id, principal.sessionId, passkey.id],
    ]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([["passkey_added", user.email]]);
  });

  it("a name is optional", async () => {
    const { principal, options, finish } = await started();
    expect((await finish.execute({ response: fakeRegistration(options, "c1"), name: "" }, principal, testCtx)).name).toBe("Passkey");
  });

  it("the challenge works once: a replay is PASSKEY_CHALLENGE_INVALID and stores nothing more", async () => {
    const { uow, principal, options, finish } = await started();
    const response = fakeRegistration(options, "c1");
    await finish.execute({ response, name: "" }, principal, testCtx);
    expect((await rejection(finish.execute({ response: { ...response, id: "c2", rawId: "c2" }, name: "" }, principal, testCtx))).reason).toBe(
      "PASSKEY_CHALLENGE_INVALID",
    );
    expect((await uow.rows()).passkeys).toHaveLength(1);
  });

  it("another account's challenge, an expired or made-up one: PASSKEY_CHALLENGE_INVALID, nothing verified", async () => {
    const { deps, uow, principal, options, finish } = await started();
    const other = { ...principal, userId: "00000000-0000-7000-8000-00000000ffff" };
    expect((await rejection(finish.execute({ response: fakeRegistration(options, "c1"), name: "" }, other, testCtx))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
    const again = await new StartPasskeyRegistration(deps).execute(principal);
    deps.clock.advanceSeconds(301);
    expect((await rejection(finish.execute({ response: fakeRegistration(again.options, "c1"), name: "" }, principal, testCtx))).reason).toBe(
      "PASSKEY_CHALLENGE_INVALID",
    );
    expect((await rejection(finish.execute({ response: fakeRegistration({ challenge: "made-up" }, "c1"), name: "" }, principal, testCtx))).reason).toBe(
      "PASSKEY_CHALLENGE_INVALID",
    );
    expect(deps.webauthn.verified).toEqual([]);
    expect((await uow.rows()).passkeys).toEqual([]);
  });

  it("a response that does not verify is PASSKEY_INVALID; a credential already registered too", async () => {
    const { deps, uow, user, principal, options, finish } = await started();
    expect((await rejection(finish.execute({ response: fakeRegistration(options, "c1", { valid: false }), name: "" }, principal, testCtx))).reason).toBe(
      "PASSKEY_INVALID",
    );
    await seedPasskey(deps, user, { credentialId: "taken" });
    const { options: next } = await new StartPasskeyRegistration(deps).execute(principal);
    expect((await rejection(finish.execute({ response: fakeRegistration(next, "taken"), name: "" }, principal, testCtx))).reason).toBe("PASSKEY_INVALID");
    // The failed insert rolled the authVersion bump back with it.
    expect((await uow.users.findById(user.id))?.authVersion).toBe(user.authVersion);
  });

  it("validates the request before taking the challenge", async () => {
    const { principal, options, finish, deps } = await started();
    const e = await rejection(finish.execute({ response: undefined, name: "x".repeat(65) }, principal, testCtx));
    expect(e.reason).toBe("VALIDATION_FAILED");
    expect(e.fieldViolations?.map((v) => v.field).sort()).toEqual(["name", "response"]);
    // The challenge is still there.
    await new FinishPasskeyRegistration(deps).execute({ response: fakeRegistration(options, "c1"), name: "" }, principal, testCtx);
  });
});
