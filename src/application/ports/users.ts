/** Persistence of accounts. Ports owned by the application; adapters implement them. */
import type { IdentifierKind } from "../../domain/identifiers.js";
import type { User } from "../../domain/user.js";

export interface NewUser {
  id: string;
  username: string;
  usernameNormalized: string;
  email: string | null;
  phone: string | null;
  fullName: string;
  passwordHash: string | null;
  roles: string[];
  plan: string;
  createdAt: Date;
}

export interface UserPatch {
  username?: string;
  usernameNormalized?: string;
  email?: string | null;
  phone?: string | null;
  fullName?: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
  passwordHash?: string | null;
  isActive?: boolean;
  deletedAt?: Date | null;
  lastLoginAt?: Date;
  mfaEnabled?: boolean;
  totpSecretEnc?: string | null;
  totpLastStep?: number | null;
  /** The full new set of roles. */
  roles?: string[];
  /** The code of the user's plan (its subscription); must name an existing plan (a foreign key). */
  plan?: string;
  /** Adds one to authVersion in the same statement: a change of how the account signs in. */
  bumpAuthVersion?: boolean;
  updatedAt: Date;
}

/**
 * What a conditional update expects of the row; it writes only while all of it still holds,
 * decided by the database in the UPDATE itself (never read-then-write in JavaScript).
 */
export interface UserExpectation {
  /** The version the caller's credential check read: a change since then makes it stale. */
  authVersion?: number;
  /** The contact a code was sent to is still the account's. */
  email?: string;
  phone?: string;
  /** Active and not deleted. */
  canSignIn?: true;
}

export interface UserRepository {
  /**
   * Inserts the user. A unique index (not a prior read) decides races: a clash throws
   * DomainError USER_ALREADY_EXISTS with a field violation on the field that clashed.
   */
  create(user: NewUser): Promise<User>;
  findById(id: string): Promise<User | null>;
  /** `value` is already normalized (lower-cased username/email, E.164 phone). Deleted users are found too. */
  findByIdentifier(kind: IdentifierKind, value: string): Promise<User | null>;
  /** Throws USER_ALREADY_EXISTS like create; USER_NOT_FOUND when there is no such user. */
  update(id: string, patch: UserPatch): Promise<User>;
  /**
   * Applies the patch only if the row still meets `expected` (one conditional UPDATE):
   * the updated user, or null when it no longer does (or does not exist). Closes the race
   * between a check (a password, a code) and the write it allows.
   */
  updateIf(id: string, expected: UserExpectation, patch: UserPatch): Promise<User | null>;
  /**
   * Records `step` as the last accepted TOTP time step if it is later than the stored one
   * (conditional update): false means the code was already used, so it is a replay.
   */
  advanceTotpStep(id: string, step: number): Promise<boolean>;
  /**
   * Users whose normalized username or (lower-cased) email starts with `prefix` (already
   * lower-cased; "" for everyone), deleted ones included, ordered by normalized username, at
   * most `page.limit`; `page.after` is an exclusive keyset cursor on the normalized username.
   */
  search(prefix: string, page: { limit: number; after?: string }): Promise<User[]>;
  /**
   * Applies the patch unless it would leave no active, undeleted user holding `role`: the rows
   * of every such user are locked first (SELECT ... FOR UPDATE), then counted, then the row is
   * written, so of two concurrent calls that would each take the role from one of two holders,
   * the second sees the first's commit and is refused. Throws DomainError LAST_ADMIN then, and
   * USER_NOT_FOUND for no such user. Must run inside UnitOfWork.transaction (the locks last
   * until it commits).
   */
  updateKeepingRole(id: string, role: string, patch: UserPatch): Promise<User>;
}

/** Whether `user` still holds `role` and can act once `patch` is applied. */
export function holdsRoleAfter(user: User, role: string, patch: UserPatch): boolean {
  const roles = patch.roles ?? user.roles;
  const isActive = patch.isActive ?? user.isActive;
  const deletedAt = patch.deletedAt !== undefined ? patch.deletedAt : user.deletedAt;
  return roles.includes(role) && isActive && deletedAt === null;
}
