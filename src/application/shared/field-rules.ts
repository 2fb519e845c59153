/** Field rules several use cases share, so one request field is judged the same everywhere. */
import type { Violations } from "../../domain/errors.js";
import type { AuthSettings } from "./settings.js";

/** A one-time or TOTP code: six decimal digits. */
export const SIX_DIGIT_CODE = /^\d{6}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical textual form (either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A password sent to be CHECKED (a login, a current password): longer than any policy allows
 * cannot be right, and is refused before argon2 runs on it (the policy caps new passwords well
 * below this bound).
 */
export function checkPasswordInput(password: string, field: string, settings: Pick<AuthSettings, "maxPasswordLength">, violations: Violations): void {
  if (password.length > settings.maxPasswordLength * 4) violations.add(field, "is too long");
}
