import type { CoreDeps } from "../shared/deps.js";
import { CreateApiKey } from "./create-api-key.js";
import { ListApiKeys } from "./list-api-keys.js";
import { RevokeApiKey } from "./revoke-api-key.js";
import { ValidateApiKey } from "./validate-api-key.js";
import { VerifyApiKey } from "./verify-api-key.js";

/** API keys: a user's own keys, and the one check of a key (ValidateApiKey, service credentials). */
export function createApiKeyUseCases(deps: CoreDeps) {
  const verifyApiKey = new VerifyApiKey(deps);
  return {
    createApiKey: new CreateApiKey(deps),
    listApiKeys: new ListApiKeys(deps),
    revokeApiKey: new RevokeApiKey(deps),
    verifyApiKey,
    validateApiKey: new ValidateApiKey(verifyApiKey),
  };
}
