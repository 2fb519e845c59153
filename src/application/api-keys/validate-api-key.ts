import { Violations } from "../../domain/errors.js";
import type { VerifiedApiKey, VerifyApiKey } from "./verify-api-key.js";

/**
 * ValidateApiKey, for the consuming services (their service credential was checked by the
 * interceptor): who a key belongs to, with its scopes and plan. Every key that does not
 * validate is the same API_KEY_INVALID (VerifyApiKey).
 */
export class ValidateApiKey {
  constructor(private readonly verify: VerifyApiKey) {}

  async execute(input: { key: string }): Promise<VerifiedApiKey> {
    const violations = new Violations();
    if (input.key === "") violations.add("key", "is required");
    violations.throwIfAny();
    return this.verify.execute(input.key);
  }
}
