import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { isUuid } from "../shared/field-rules.js";

/**
 * Revokes one of the caller's keys; idempotent for an own key already revoked. Another user's
 * key is API_KEY_NOT_FOUND, like one that does not exist. After the commit every instance is
 * told (ApiKeyRevocations), so ValidateApiKey fails everywhere within a second.
 */
export class RevokeApiKey {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "apiKeyRevocations">) {}

  async execute(input: { keyId: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.keyId === "") violations.add("key_id", "is required");
    else if (!isUuid(input.keyId)) violations.add("key_id", "must be an API key id (UUID)");
    violations.throwIfAny();

    const key = await this.deps.uow.apiKeys.findById(input.keyId);
    if (key?.owner.type !== "user" || key.owner.userId !== principal.userId) {
      throw new DomainError("API_KEY_NOT_FOUND", "No such API key");
    }
    if (key.revokedAt !== null) return;
    const now = this.deps.clock.now();
    const audit = auditTrail(this.deps, ctx, { userId: principal.userId, sessionId: principal.sessionId });
    const revoked = await this.deps.uow.transaction(async (tx) => {
      if (!(await tx.apiKeys.revoke(key.id, now))) return false;
      await audit.record(tx, "api_key.revoked", { metadata: { keyId: key.id, start: key.start } });
      return true;
    });
    if (revoked) await this.deps.apiKeyRevocations.announceKeys([key.id]);
  }
}
