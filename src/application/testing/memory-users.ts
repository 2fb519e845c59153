// The UserRepository over in-memory tables, as the Prisma one behaves: the unique indexes
// decide clashes (USER_ALREADY_EXISTS naming the field), a patch writes only the fields it
// has, and updateIf / advanceTotpStep check and write in one step.

import { DomainError } from "../../domain/errors.js";
import type { IdentifierKind } from "../../domain/identifiers.js";
import type { User } from "../../domain/user.js";
import { holdsRoleAfter, type NewUser, type UserExpectation, type UserPatch, type UserRepository } from "../ports/users.js";
import { checkUserUnique, detached, type Run, requirePlan, type Tables } from "./memory-tables.js";

/** The row a patch leaves (Prisma skips undefined fields; bumpAuthVersion increments). */
function patched(user: User, patch: UserPatch): User {
  const next: User = { ...user };
  const fields = [
    "username",
    "usernameNormalized",
    "email",
    "phone",
    "fullName",
    "emailVerified",
    "phoneVerified",
    "passwordHash",
    "isActive",
    "deletedAt",
    "lastLoginAt",
    "mfaEnabled",
    "totpSecretEnc",
    "totpLastStep",
    "roles",
    "plan",
    "updatedAt",
  ] as const;
  for (const field of fields) {
    const value = patch[field];
    if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = detached(value);
  }
  if (patch.bumpAuthVersion) next.authVersion = user.authVersion + 1;
  return next;
}

function meets(user: User, expected: UserExpectation): boolean {
  if (expected.authVersion !== undefined && user.authVersion !== expected.authVersion) return false;
  if (expected.email !== undefined && user.email !== expected.email) return false;
  if (expected.phone !== undefined && user.phone !== expected.phone) return false;
  if (expected.canSignIn && !(user.isActive && user.deletedAt === null)) return false;
  return true;
}

/** Writes a patched user, checking the unique indexes as the UPDATE would. */
function writeUser(t: Tables, user: User, patch: UserPatch): User {
  const next = patched(user, patch);
  checkUserUnique(t, next, user.id);
  if (patch.plan !== undefined) requirePlan(t, next.plan);
  t.users.set(next.id, next);
  return detached(next);
}

export function memoryUserRepository(run: Run): UserRepository {
  return {
    create: (u: NewUser) =>
      run((t) => {
        const row: User = {
          id: u.id,
          username: u.username,
          usernameNormalized: u.usernameNormalized,
          email: u.email,
          phone: u.phone,
          fullName: u.fullName,
          passwordHash: u.passwordHash,
          emailVerified: false,
          phoneVerified: false,
          mfaEnabled: false,
          totpSecretEnc: null,
          totpLastStep: null,
          roles: [...u.roles],
          plan: u.plan,
          isActive: true,
          deletedAt: null,
          createdAt: new Date(u.createdAt),
          updatedAt: new Date(u.createdAt),
          lastLoginAt: null,
          authVersion: 0,
        };
        checkUserUnique(t, row);
        requirePlan(t, row.plan);
        t.users.set(row.id, row);
        return detached(row);
      }),
    findById: (id) => run((t) => detached(t.users.get(id) ?? null)),
    findByIdentifier: (kind: IdentifierKind, value: string) =>
      run((t) => {
        const key = kind === "username" ? "usernameNormalized" : kind;
        for (const u of t.users.values()) if (u[key] === value) return detached(u);
        return null;
      }),
    update: (id, patch) =>
      run((t) => {
        const user = t.users.get(id);
        if (!user) throw new DomainError("USER_NOT_FOUND", "The user does not exist");
        return writeUser(t, user, patch);
      }),
    updateIf: (id, expected, patch) =>
      run((t) => {
        const user = t.users.get(id);
        return user && meets(user, expected) ? writeUser(t, user, patch) : null;
      }),
    advanceTotpStep: (id, step) =>
      run((t) => {
        const user = t.users.get(id);
        if (!user || (user.totpLastStep !== null && user.totpLastStep >= step)) return false;
        t.users.set(id, { ...user, totpLastStep: step });
        return true;
      }),
    search: (prefix, page) =>
      run((t) =>
        [...t.users.values()]
          .filter((u) => u.usernameNormalized.startsWith(prefix) || (u.email ?? "").toLowerCase().startsWith(prefix))
          .filter((u) => page.after === undefined || u.usernameNormalized > page.after)
          .sort((a, b) => (a.usernameNormalized < b.usernameNormalized ? -1 : a.usernameNormalized > b.usernameNormalized ? 1 : 0))
          .slice(0, page.limit)
          .map(detached),
      ),
    // Statements run one at a time here, so the check and the write cannot interleave.
    updateKeepingRole: (id, role, patch) =>
      run((t) => {
        const user = t.users.get(id);
        if (!user) throw new DomainError("USER_NOT_FOUND", "The user does not exist");
        const holders = [...t.users.values()].filter((u) => holdsRoleAfter(u, role, {} as UserPatch));
        if (holdsRoleAfter(user, role, {} as UserPatch) && !holdsRoleAfter(user, role, patch) && holders.every((u) => u.id === id)) {
          throw new DomainError("LAST_ADMIN", `The last user with the ${role} role cannot lose it`);
        }
        return writeUser(t, user, patch);
      }),
  };
}
