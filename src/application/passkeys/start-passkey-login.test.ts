import { describe, expect, it } from "vitest";
import { testCtx } from "../../../test/support/fakes.js";
import { passkeyWorld, seedPasskey } from "../../../test/support/passkeys-kit.js";
import { rejection, seedUser } from "../../../test/support/use-case-deps.js";
import { takeLoginFlow } from "./challenges.js";
import { StartPasskeyLogin } from "./start-passkey-login.js";

/** The options without their random parts, as a caller would compare two answers. */
const shape = (options: Record<string, unknown>) => ({ ...options, challenge: "<random>" });

describe("StartPasskeyLogin", () => {
  it("with an identifier: the account's passkeys are allowed, and the flow remembers the account", async () => {
    const { deps, user } = await passkeyWorld();
    const passkey = await seedPasskey(deps, user);
    const out = await new StartPasskeyLogin(deps).execute({ identifier: user.email as string }, testCtx);
    expect(out.options).toMatchObject({ allowCredentials: [{ id: passkey.credentialId }], userVerification: "required" });
    expect(out.flowId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await takeLoginFlow(deps, out.flowId)).toEqual({ challenge: out.options.challenge, userId: user.id });
    expect(deps.ipAttempts.keys).toHaveLength(1);
  });

  it("an unknown identifier, a disabled account and no identifier all get the discoverable answer", async () => {
    const { deps } = await passkeyWorld();
    const disabled = await seedUser(deps, { isActive: false });
    await seedPasskey(deps, disabled);
    const start = new StartPasskeyLogin(deps);
    const discoverable = await start.execute({ identifier: "" }, testCtx);
    const unknown = await start.execute({ identifier: "nobody@example.com" }, testCtx);
    const off = await start.execute({ identifier: disabled.username }, testCtx);
    expect(discoverable.options.allowCredentials).toEqual([]);
    expect(shape(unknown.options)).toEqual(shape(discoverable.options));
    expect(shape(off.options)).toEqual(shape(discoverable.options));
    expect(await takeLoginFlow(deps, unknown.flowId)).toEqual({ challenge: unknown.options.challenge, userId: null });
    expect(await takeLoginFlow(deps, discoverable.flowId)).toEqual({ challenge: discoverable.options.challenge, userId: null });
  });

  it("a flow is single use and lives 5 minutes", async () => {
    const { deps } = await passkeyWorld();
    const start = new StartPasskeyLogin(deps);
    const a = await start.execute({ identifier: "" }, testCtx);
    const b = await start.execute({ identifier: "" }, testCtx);
    await takeLoginFlow(deps, a.flowId);
    expect((await rejection(takeLoginFlow(deps, a.flowId))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
    deps.clock.advanceSeconds(301);
    expect((await rejection(takeLoginFlow(deps, b.flowId))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
  });

  it("refuses a malformed identifier", async () => {
    const { deps } = await passkeyWorld();
    expect((await rejection(new StartPasskeyLogin(deps).execute({ identifier: "a\u0000b" }, testCtx))).reason).toBe("VALIDATION_FAILED");
  });
});
