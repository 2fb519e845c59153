import { createAccountUseCases } from "./account/index.js";
import { createAdminUseCases } from "./admin/index.js";
import { createApiKeyUseCases } from "./api-keys/index.js";
import { createCodeUseCases } from "./codes/index.js";
import { createMfaUseCases } from "./mfa/index.js";
import { createOAuthUseCases } from "./oauth/index.js";
import { createPasskeyUseCases } from "./passkeys/index.js";
import { createPlanUseCases } from "./plans/index.js";
import { createQuotaUseCases } from "./plans/quota-index.js";
import { createSessionUseCases } from "./sessions/index.js";
import type { CoreDeps } from "./shared/deps.js";
import { createSignInUseCases } from "./sign-in/index.js";

export type UseCases = ReturnType<typeof createUseCases>;

/** Every use case, built once from the core dependencies, feature by feature. */
export function createUseCases(deps: CoreDeps) {
  return {
    ...createSignInUseCases(deps),
    ...createSessionUseCases(deps),
    ...createCodeUseCases(deps),
    ...createMfaUseCases(deps),
    ...createAccountUseCases(deps),
    ...createApiKeyUseCases(deps),
    ...createAdminUseCases(deps),
    ...createPlanUseCases(deps),
    ...createQuotaUseCases(deps),
    ...createOAuthUseCases(deps),
    ...createPasskeyUseCases(deps),
  };
}
