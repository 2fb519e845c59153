import { describe, expect, it } from "vitest";
import { apiKeySetup, storeKey } from "../../../test/support/api-keys-kit.js";
import { ValidateApiKey } from "./validate-api-key.js";
import { VerifyApiKey } from "./verify-api-key.js";

describe("ValidateApiKey", () => {
  it("answers what VerifyApiKey answers", async () => {
    const { deps, user } = await apiKeySetup();
    const { id, secret } = await storeKey(deps, { type: "user", userId: user.id });
    expect(await new ValidateApiKey(new VerifyApiKey(deps)).execute({ key: secret })).toMatchObject({ keyId: id, plan: "free" });
  });

  it("an empty key is VALIDATION_FAILED; anything else that is not a key is API_KEY_INVALID", async () => {
    const { deps } = await apiKeySetup();
    const validate = new ValidateApiKey(new VerifyApiKey(deps));
    await expect(validate.execute({ key: "" })).rejects.toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [{ field: "key" }] });
    await expect(validate.execute({ key: "x" })).rejects.toMatchObject({ reason: "API_KEY_INVALID" });
  });
});
