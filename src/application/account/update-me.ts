import { DomainError, Violations } from "../../domain/errors.js";
import { isSafeText, normalizeContacts, normalizeUsername } from "../../domain/identifiers.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import type { UserPatch } from "../ports/users.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import { contactsOf } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { sendVerificationCodes } from "../shared/one-time-codes.js";
import { sendNotice } from "../shared/security-notices.js";

export interface UpdateMeInput {
  fullName: string;
  username: string;
  email: string;
  phone: string;
  /** Field paths in snake_case (the proto names) or lowerCamelCase (proto3 JSON). */
  updateMask: string[];
}

/** A Map, not an object: `__proto__` or `constructor` in a mask must never resolve to anything. */
const PATHS: ReadonlyMap<string, "full_name" | "username" | "email" | "phone"> = new Map([
  ["full_name", "full_name"],
  ["fullName", "full_name"],
  ["username", "username"],
  ["email", "email"],
  ["phone", "phone"],
]);

export class UpdateMe {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "random" | "notifier" | "notices" | "codeHasher" | "settings" | "report">) {}

  async execute(input: UpdateMeInput, principal: Principal, ctx: RequestContext): Promise<User> {
    const violations = new Violations();
    const paths = new Set<string>();
    if (input.updateMask.length === 0) violations.add("update_mask", "name at least one field to change");
    for (const raw of input.updateMask) {
      const path = PATHS.get(raw);
      if (path === undefined) violations.add("update_mask", `unknown or read-only field '${raw.slice(0, 40)}'`);
      else paths.add(path);
    }
    if (paths.has("username") && input.username === "") violations.add("username", "is required");
    if (paths.has("full_name") && input.fullName.length > 200) violations.add("full_name", "must be at most 200 characters");
    else if (paths.has("full_name") && !isSafeText(input.fullName)) violations.add("full_name", "must not contain control characters");
    const contacts = normalizeContacts(
      {
        username: paths.has("username") ? input.username : undefined,
        email: paths.has("email") ? input.email : undefined,
        phone: paths.has("phone") ? input.phone : undefined,
      },
      violations,
    );
    violations.throwIfAny();

    const user = await loadActiveUser(this.deps, principal);
    const now = this.deps.clock.now();
    const patch: UserPatch = { updatedAt: now };
    const changed: string[] = [];
    if (paths.has("full_name") && input.fullName.trim() !== user.fullName) {
      patch.fullName = input.fullName.trim();
      changed.push("full_name");
    }
    if (contacts.username !== undefined && contacts.username !== user.username) {
      patch.username = contacts.username;
      patch.usernameNormalized = normalizeUsername(contacts.username);
      changed.push("username");
    }
    // A changed address is unverified until a code sent to it comes back.
    if (paths.has("email") && (contacts.email ?? null) !== user.email) {
      patch.email = contacts.email ?? null;
      patch.emailVerified = false;
      changed.push("email");
    }
    if (paths.has("phone") && (contacts.phone ?? null) !== user.phone) {
      patch.phone = contacts.phone ?? null;
      patch.phoneVerified = false;
      changed.push("phone");
    }
    const email = patch.email !== undefined ? patch.email : user.email;
    const phone = patch.phone !== undefined ? patch.phone : user.phone;
    if (email === null && phone === null) {
      throw new DomainError("VALIDATION_FAILED", "An account needs an email or a phone", {
        fieldViolations: [{ field: paths.has("email") ? "email" : "phone", description: "an email or a phone must remain" }],
      });
    }
    if (changed.length === 0) return user;

    const updated = await this.deps.uow.transaction(async (tx) => {
      const updated = await tx.users.update(user.id, patch);
      await auditTrail(this.deps, ctx, principal).record(tx, "user.updated", { metadata: { fields: changed.join(",") } });
      return updated;
    });
    // The contacts the account had before hear of the change (the new ones may be an attacker's).
    const before = contactsOf(user);
    if (changed.includes("email")) void sendNotice(this.deps, before, "email_changed", now);
    if (changed.includes("phone")) void sendNotice(this.deps, before, "phone_changed", now);
    // A changed address gets a code to prove it.
    sendVerificationCodes(this.deps, updated, [
      ...(changed.includes("email") ? (["email"] as const) : []),
      ...(changed.includes("phone") ? (["sms"] as const) : []),
    ]);
    return updated;
  }
}
