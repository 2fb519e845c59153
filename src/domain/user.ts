/** An account as the core sees it. `passwordHash` never leaves the application layer. */
export interface User {
  id: string;
  username: string;
  usernameNormalized: string;
  email: string | null;
  phone: string | null;
  fullName: string;
  passwordHash: string | null;
  emailVerified: boolean;
  phoneVerified: boolean;
  mfaEnabled: boolean;
  /** Sealed TOTP secret; set from EnrollTotp on, in use once mfaEnabled. */
  totpSecretEnc: string | null;
  totpLastStep: number | null;
  roles: string[];
  plan: string;
  isActive: boolean;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  /** Bumped by every change of how the account signs in; see UserRepository.updateIf. */
  authVersion: number;
}

export const DEFAULT_ROLES = ["user"];
export const DEFAULT_PLAN = "free";

/** A user may sign in only while active and not deleted. */
export function canSignIn(user: User): boolean {
  return user.isActive && user.deletedAt === null;
}
