import { describe, expect, it } from "vitest";
import { fakeSessionStatus, fakeTokens, ManualClock } from "../../../test/support/fakes.js";
import { ValidateToken } from "./validate-token.js";

const claims = { userId: "u1", username: "ada", sessionId: "s1", roles: ["user"], scopes: [] };

function setup() {
  const clock = new ManualClock();
  const tokens = fakeTokens(clock, { ttlSeconds: 900 });
  const sessionStatus = fakeSessionStatus();
  return { clock, tokens, sessionStatus, validate: new ValidateToken({ tokens, sessionStatus }) };
}

describe("ValidateToken", () => {
  it("answers the verified claims of a live session's token (surrounding blanks ignored)", async () => {
    const { tokens, sessionStatus, validate } = setup();
    const { token, expiresAt } = await tokens.issue(claims);
    const principal = await validate.execute({ accessToken: `  ${token}\n` });
    expect(principal).toMatchObject({ ...claims, expiresAt });
    expect(sessionStatus.checked).toEqual(["s1"]);
  });

  it("refuses an empty token with a field violation on access_token", async () => {
    const { validate } = setup();
    await expect(validate.execute({ accessToken: "   " })).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "access_token" }],
    });
  });

  it("refuses a token over 4096 characters as TOKEN_INVALID without verifying it", async () => {
    const { tokens, validate } = setup();
    let verified = 0;
    const verify = tokens.verify.bind(tokens);
    tokens.verify = async (t) => {
      verified += 1;
      return verify(t);
    };
    await expect(validate.execute({ accessToken: "a".repeat(4097) })).rejects.toMatchObject({ reason: "TOKEN_INVALID" });
    expect(verified).toBe(0);
  });

  it("answers TOKEN_EXPIRED once the clock reaches the token's expiry, TOKEN_INVALID for a forged one", async () => {
    const { clock, tokens, sessionStatus, validate } = setup();
    const { token } = await tokens.issue(claims);
    clock.advanceSeconds(899);
    await validate.execute({ accessToken: token });
    clock.advanceSeconds(1);
    await expect(validate.execute({ accessToken: token })).rejects.toMatchObject({ reason: "TOKEN_EXPIRED" });
    await expect(validate.execute({ accessToken: "at.999" })).rejects.toMatchObject({ reason: "TOKEN_INVALID" });
    // A token that does not verify never reaches the session check.
    expect(sessionStatus.checked).toEqual(["s1"]);
  });

  it("refuses a valid token whose session was revoked: SESSION_REVOKED", async () => {
    const { tokens, sessionStatus, validate } = setup();
    const { token } = await tokens.issue(claims);
    sessionStatus.markRevoked(["s1"]);
    await expect(validate.execute({ accessToken: token })).rejects.toMatchObject({ reason: "SESSION_REVOKED" });
  });

  it("fails closed: when the session status cannot be told, the error propagates", async () => {
    const { tokens, sessionStatus, validate } = setup();
    const { token } = await tokens.issue(claims);
    sessionStatus.isLive = async () => {
      throw new Error("database unavailable");
    };
    await expect(validate.execute({ accessToken: token })).rejects.toThrow("database unavailable");
  });
});
