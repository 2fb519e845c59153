import { DomainError } from "./errors.js";

export interface PasswordPolicyOptions {
  minLength: number;
  maxLength: number;
  /** Opt-in composition rules (lower, upper, digit, other); NIST advises against them. */
  requireClasses: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicyOptions = {
  minLength: 8,
  maxLength: 128,
  requireClasses: false,
};

/** Answers whether a (lower-cased) password is on a breached/common-password list. */
export type CommonPasswordCheck = (lowerCasedPassword: string) => boolean;

/**
 * Passwords are compared and hashed in NFKC form so that the NFC and NFD spellings of one
 * password (and full-width variants) are the same password. Never truncated.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Length in user-perceived code points, not UTF-16 units: an emoji counts once. */
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export class PasswordPolicy {
  constructor(
    private readonly options: PasswordPolicyOptions,
    private readonly isCommon: CommonPasswordCheck,
  ) {}

  /**
   * Returns the normalized password or throws PASSWORD_TOO_WEAK with the reason in a field
   * violation on `field` (NIST 800-63B: tell the user why).
   */
  check(password: string, field: string, identity: { username?: string; email?: string } = {}): string {
    const normalized = normalizePassword(password);
    const reason = this.weakness(normalized, identity);
    if (reason !== null) {
      throw new DomainError("PASSWORD_TOO_WEAK", "The password does not meet the policy", {
        fieldViolations: [{ field, description: reason }],
      });
    }
    return normalized;
  }

  private weakness(pw: string, identity: { username?: string; email?: string }): string | null {
    const length = codePointLength(pw);
    const { minLength, maxLength } = this.options;
    if (length < minLength) return `must be at least ${minLength} characters`;
    if (length > maxLength) return `must be at most ${maxLength} characters`;
    const lower = pw.toLowerCase();
    if (this.isCommon(lower)) return "is too common: it appears in lists of breached passwords";
    const username = identity.username?.normalize("NFKC").toLowerCase();
    const email = identity.email?.toLowerCase();
    if ((username && lower === username) || (email && (lower === email || lower === email.split("@")[0]))) {
      return "must not be the same as the username or email";
    }
    if (this.options.requireClasses) {
      const missing: string[] = [];
      if (!/\p{Ll}/u.test(pw)) missing.push("a lower-case letter");
      if (!/\p{Lu}/u.test(pw)) missing.push("an upper-case letter");
      if (!/\p{Nd}/u.test(pw)) missing.push("a digit");
      if (!/[^\p{L}\p{Nd}]/u.test(pw)) missing.push("a symbol");
      if (missing.length > 0) return `must contain ${missing.join(", ")}`;
    }
    return null;
  }
}
