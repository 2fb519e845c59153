import { describe, expect, it } from "vitest";
import { flushBackground, testCtx } from "../../../test/support/fakes.js";
import { passkeyWorld, seedPasskey } from "../../../test/support/passkeys-kit.js";
import { noticesSent, rejection, seedUser } from "../../../test/support/use-case-deps.js";
import { DeletePasskey } from "./delete-passkey.js";

describe("DeletePasskey", () => {
  it("deletes the caller's passkey, bumps authVersion, audits and tells the contacts", async () => {
    const { uow, deps, user, principal } = await passkeyWorld();
    const passkey = await seedPasskey(deps, user);
    await new DeletePasskey(deps).execute({ passkeyId: passkey.id }, principal, testCtx);
    const rows = await uow.rows();
    expect(rows.passkeys).toEqual([]);
    expect(rows.users.find((u) => u.id === user.id)?.authVersion).toBe(user.authVersion + 1);
    expect(rows.auditEvents.filter((a) => a.type === "passkey.deleted").map((a) => a.metadata)).toEqual([{ passkey_id: passkey.id }]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([["passkey_removed", user.email]]);
  });

  it("another account's passkey, an unknown or malformed id: SIGN_IN_METHOD_NOT_FOUND, nothing deleted", async () => {
    const { uow, deps, principal } = await passkeyWorld();
    const theirs = await seedPasskey(deps, await seedUser(deps));
    const del = new DeletePasskey(deps);
    for (const passkeyId of [theirs.id, "01900000-0000-7000-8000-000000000000", "not-an-id"]) {
      expect((await rejection(del.execute({ passkeyId }, principal, testCtx))).reason).toBe("SIGN_IN_METHOD_NOT_FOUND");
    }
    expect((await uow.rows()).passkeys).toHaveLength(1);
    expect((await rejection(del.execute({ passkeyId: "" }, principal, testCtx))).reason).toBe("VALIDATION_FAILED");
  });

  it("refuses the last way to sign in (no password, one passkey) with LAST_SIGN_IN_METHOD and keeps it", async () => {
    const { uow, deps, user, principal } = await passkeyWorld({ passwordHash: null });
    const only = await seedPasskey(deps, user);
    const e = await rejection(new DeletePasskey(deps).execute({ passkeyId: only.id }, principal, testCtx));
    expect(e.reason).toBe("LAST_SIGN_IN_METHOD");
    expect((await uow.rows()).passkeys.map((p) => p.id)).toEqual([only.id]);
    // With a second passkey, one of them may go.
    const second = await seedPasskey(deps, user);
    await new DeletePasskey(deps).execute({ passkeyId: only.id }, principal, testCtx);
    expect((await uow.rows()).passkeys.map((p) => p.id)).toEqual([second.id]);
  });
});
