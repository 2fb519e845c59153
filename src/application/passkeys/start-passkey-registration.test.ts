import { describe, expect, it } from "vitest";
import { fakeRegistration } from "../../../test/support/fake-webauthn.js";
import { passkeyWorld, seedPasskey } from "../../../test/support/passkeys-kit.js";
import { rejection } from "../../../test/support/use-case-deps.js";
import { takeRegistrationChallenge } from "./challenges.js";
import { StartPasskeyRegistration } from "./start-passkey-registration.js";

describe("StartPasskeyRegistration", () => {
  it("answers creation options for the caller, its passkeys excluded, and keeps the challenge for this account only", async () => {
    const { deps, user, principal } = await passkeyWorld();
    const existing = await seedPasskey(deps, user);
    const { options } = await new StartPasskeyRegistration(deps).execute(principal);
    expect(options).toMatchObject({
      user: { name: user.username, displayName: user.fullName },
      excludeCredentials: [{ id: existing.credentialId }],
      authenticatorSelection: { userVerification: "required" },
    });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const response = fakeRegistration(options, "new-cred");
    // Another account cannot use it; taking it (even so) uses it up.
    expect((await rejection(takeRegistrationChallenge(deps, response, "someone-else"))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
    expect((await rejection(takeRegistrationChallenge(deps, response, user.id))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
  });

  it("the challenge is the caller's for 5 minutes, once", async () => {
    const { deps, principal, user } = await passkeyWorld();
    const start = new StartPasskeyRegistration(deps);
    const first = await start.execute(principal);
    const second = await start.execute(principal);
    expect(second.options.challenge).not.toBe(first.options.challenge);
    expect(await takeRegistrationChallenge(deps, fakeRegistration(first.options, "c"), user.id)).toBe(first.options.challenge);
    expect((await rejection(takeRegistrationChallenge(deps, fakeRegistration(first.options, "c"), user.id))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
    deps.clock.advanceSeconds(301);
    expect((await rejection(takeRegistrationChallenge(deps, fakeRegistration(second.options, "c"), user.id))).reason).toBe("PASSKEY_CHALLENGE_INVALID");
  });

  it("refuses an account that can no longer sign in", async () => {
    const { deps, principal } = await passkeyWorld({ isActive: false });
    expect((await rejection(new StartPasskeyRegistration(deps).execute(principal))).reason).toBe("USER_NOT_FOUND");
  });
});
