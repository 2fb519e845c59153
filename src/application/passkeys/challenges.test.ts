import { describe, expect, it } from "vitest";
import { Violations } from "../../domain/errors.js";
import { checkResponse, claimedChallenge, claimedCredentialId } from "./challenges.js";

const clientData = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

describe("passkey challenges", () => {
  it("reads the challenge a response's clientDataJSON claims, and nothing from a malformed one", () => {
    expect(claimedChallenge({ response: { clientDataJSON: clientData({ challenge: "abc", type: "webauthn.get" }) } })).toBe("abc");
    for (const response of [
      {},
      { response: null },
      { response: { clientDataJSON: 42 } },
      { response: { clientDataJSON: clientData("not json") } },
      { response: { clientDataJSON: clientData({ challenge: 7 }) } },
      { response: { clientDataJSON: clientData({ challenge: "" }) } },
      { response: { clientDataJSON: clientData({ challenge: "x".repeat(1025) }) } },
    ]) {
      expect(claimedChallenge(response), JSON.stringify(response)).toBeNull();
    }
  });

  it("reads the credential id a response claims", () => {
    expect(claimedCredentialId({ id: "cred" })).toBe("cred");
    expect(claimedCredentialId({ id: "" })).toBeNull();
    expect(claimedCredentialId({ id: 3 })).toBeNull();
    expect(claimedCredentialId({ id: "x".repeat(2000) })).toBeNull();
  });

  it("a response is required, and no bigger than a WebAuthn response can be", () => {
    const check = (response: Record<string, unknown> | undefined) => {
      const v = new Violations();
      checkResponse(response, v);
      return v;
    };
    expect(() => check(undefined).throwIfAny()).toThrow();
    expect(() => check({}).throwIfAny()).toThrow();
    expect(() => check({ id: "x".repeat(70_000) }).throwIfAny()).toThrow();
    expect(() => check({ id: "cred" }).throwIfAny()).not.toThrow();
  });
});
