import { Violations } from "../../domain/errors.js";
import type { ApiKeyRecord } from "../ports/api-keys.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { newApiKeySecret } from "./key-secret.js";

const NAME_MAX = 100;
const SCOPE = /^[a-z0-9:._-]{1,64}$/;
const SCOPES_MAX = 20;
/** Printable: no control, format, surrogate, private-use or unassigned characters. */
const PRINTABLE = /^[^\p{C}]+$/u;

export interface CreateApiKeyInput {
  name: string;
  scopes: readonly string[];
  expireTime?: Date | undefined;
}

/**
 * A key for the caller (fresh authentication is the interceptor's, from the contract). Only
 * its SHA-256 and first characters are stored; the secret is in this answer only, and never in
 * the audit event (`api_key.created` carries the key id and `start`).
 */
export class CreateApiKey {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "random">) {}

  async execute(input: CreateApiKeyInput, principal: Principal, ctx: RequestContext): Promise<{ apiKey: ApiKeyRecord; secret: string }> {
    const now = this.deps.clock.now();
    const name = input.name.trim();
    const violations = new Violations();
    if (name === "") violations.add("name", "is required");
    else if ([...name].length > NAME_MAX) violations.add("name", `must be at most ${NAME_MAX} characters`);
    else if (!PRINTABLE.test(name)) violations.add("name", "must be printable characters");
    if (input.scopes.length > SCOPES_MAX) violations.add("scopes", `must be at most ${SCOPES_MAX}`);
    else if (!input.scopes.every((s) => SCOPE.test(s))) violations.add("scopes", "each must be 1-64 of a-z, 0-9, ':', '.', '_', '-'");
    if (input.expireTime !== undefined && !(input.expireTime.getTime() > now.getTime())) violations.add("expire_time", "must be in the future");
    violations.throwIfAny();

    const user = await loadActiveUser(this.deps, principal);
    const { secret, keyHash, start } = newApiKeySecret(this.deps.random, "user");
    const id = this.deps.ids.newId();
    const audit = auditTrail(this.deps, ctx, { userId: user.id, sessionId: principal.sessionId });
    const apiKey = await this.deps.uow.transaction(async (tx) => {
      const created = await tx.apiKeys.insert({
        id,
        owner: { type: "user", userId: user.id },
        name,
        start,
        keyHash,
        scopes: [...new Set(input.scopes)],
        createdAt: now,
        expiresAt: input.expireTime ?? null,
      });
      await audit.record(tx, "api_key.created", { metadata: { keyId: id, start } });
      return created;
    });
    return { apiKey, secret };
  }
}
