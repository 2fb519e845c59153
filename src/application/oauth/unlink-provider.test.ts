import { describe, expect, it } from "vitest";
import { testCtx as ctx, flushBackground, principalFor } from "../../../test/support/fakes.js";
import { noticesSent, rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import type { User } from "../../domain/user.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { UnlinkProvider } from "./unlink-provider.js";

async function setup(fields: { passwordHash?: string | null } = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  const user = await seedUser(deps, fields);
  let n = 0;
  const linkTo = async (u: User, provider: string) =>
    uow.oauthIdentities.create({
      id: `00000000-0000-7000-8000-0000000000${String(++n).padStart(2, "0")}`,
      userId: u.id,
      provider,
      issuer: `https://${provider}.test`,
      subject: `s-${n}`,
      email: null,
      createdAt: deps.clock.now(),
      lastUsedAt: null,
    });
  const principal = principalFor(user.id, "00000000-0000-7000-8000-00000000aaaa");
  return { uow, deps, user, linkTo, principal, unlink: new UnlinkProvider(deps) };
}

describe("UnlinkProvider", () => {
  it("removes the identity when a password remains, bumps authVersion, audits and tells the contacts", async () => {
    const { uow, deps, user, linkTo, principal, unlink } = await setup();
    await linkTo(user, "acme");
    await unlink.execute({ provider: "acme" }, principal, ctx);
    const rows = await uow.rows();
    expect(rows.oauthIdentities).toEqual([]);
    expect(rows.users[0]?.authVersion).toBe(user.authVersion + 1);
    expect(rows.auditEvents.map((e) => e.type)).toEqual(["provider.unlinked"]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent).map(([n]) => n)).toEqual(["provider_unlinked"]);
  });

  it("refuses to remove the last way to sign in (no password, one identity): LAST_SIGN_IN_METHOD, nothing removed", async () => {
    const { uow, user, linkTo, principal, unlink } = await setup({ passwordHash: null });
    await linkTo(user, "acme");
    expect((await rejection(unlink.execute({ provider: "acme" }, principal, ctx))).reason).toBe("LAST_SIGN_IN_METHOD");
    expect((await uow.rows()).oauthIdentities).toHaveLength(1);
  });

  it("two concurrent unlinks of the last two identities: one succeeds, the other is LAST_SIGN_IN_METHOD", async () => {
    const { uow, user, linkTo, principal, unlink } = await setup({ passwordHash: null });
    await linkTo(user, "acme");
    await linkTo(user, "corp");
    const results = await Promise.allSettled([unlink.execute({ provider: "acme" }, principal, ctx), unlink.execute({ provider: "corp" }, principal, ctx)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.flatMap((r) => (r.status === "rejected" ? [(r.reason as { reason: string }).reason] : []))).toEqual(["LAST_SIGN_IN_METHOD"]);
    expect((await uow.rows()).oauthIdentities).toHaveLength(1);
  });

  it("an identity the account does not have is SIGN_IN_METHOD_NOT_FOUND (another user's too); bad input VALIDATION_FAILED", async () => {
    const { deps, linkTo, principal, unlink } = await setup();
    const other = await seedUser(deps);
    await linkTo(other, "acme");
    expect((await rejection(unlink.execute({ provider: "acme" }, principal, ctx))).reason).toBe("SIGN_IN_METHOD_NOT_FOUND");
    expect((await rejection(unlink.execute({ provider: "" }, principal, ctx))).reason).toBe("VALIDATION_FAILED");
  });
});
