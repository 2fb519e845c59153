// UserRepository over Prisma. Uniqueness of username, email and phone is enforced by the
// unique indexes alone: the repository never reads before it writes, so two concurrent
// registrations cannot both pass a check; the loser gets P2002, which errors.ts turns into
// USER_ALREADY_EXISTS naming the field.

import { holdsRoleAfter, type NewUser, type UserExpectation, type UserPatch, type UserRepository } from "../../application/ports/users.js";
import { DomainError } from "../../domain/errors.js";
import type { IdentifierKind } from "../../domain/identifiers.js";
import type { User } from "../../domain/user.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toUser } from "./mappers.js";

export class PrismaUserRepository implements UserRepository {
  /** The root client or an interactive transaction's client: both satisfy this type. */
  constructor(private readonly db: Prisma.TransactionClient) {}

  async create(user: NewUser): Promise<User> {
    const row = await withPrismaErrors(() =>
      this.db.user.create({
        data: {
          id: user.id,
          username: user.username,
          usernameNormalized: user.usernameNormalized,
          email: user.email,
          phone: user.phone,
          fullName: user.fullName,
          passwordHash: user.passwordHash,
          roles: user.roles,
          plan: user.plan,
          createdAt: user.createdAt,
          updatedAt: user.createdAt,
        },
      }),
    );
    return toUser(row);
  }

  async findById(id: string): Promise<User | null> {
    const row = await withPrismaErrors(() => this.db.user.findUnique({ where: { id } }));
    return row === null ? null : toUser(row);
  }

  async findByIdentifier(kind: IdentifierKind, value: string): Promise<User | null> {
    // Each kind has its own unique index; usernames are matched on the normalized form so
    // "Alice" and "alice" are one account.
    const where: Prisma.UserWhereUniqueInput = kind === "username" ? { usernameNormalized: value } : kind === "email" ? { email: value } : { phone: value };
    const row = await withPrismaErrors(() => this.db.user.findUnique({ where }));
    return row === null ? null : toUser(row);
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    // Only the fields present in the patch are sent (Prisma skips undefined), so a partial
    // update never overwrites a column another request changed. A missing row is P2025.
    const row = await withPrismaErrors(() => this.db.user.update({ where: { id }, data: userData(patch) }));
    return toUser(row);
  }

  async updateIf(id: string, expected: UserExpectation, patch: UserPatch): Promise<User | null> {
    // One UPDATE ... WHERE <expectation> RETURNING: under READ COMMITTED a concurrent writer's
    // row lock makes this wait, and the WHERE is then re-checked on the committed row, so a
    // change that committed first always wins over the check this caller made earlier.
    const where: Prisma.UserWhereInput = { id };
    if (expected.authVersion !== undefined) where.authVersion = expected.authVersion;
    if (expected.email !== undefined) where.email = expected.email;
    if (expected.phone !== undefined) where.phone = expected.phone;
    if (expected.canSignIn) {
      where.isActive = true;
      where.deletedAt = null;
    }
    const rows = await withPrismaErrors(() => this.db.user.updateManyAndReturn({ where, data: userData(patch) }));
    const row = rows[0];
    return row === undefined ? null : toUser(row);
  }

  async advanceTotpStep(id: string, step: number): Promise<boolean> {
    // One conditional update: of two logins racing with the same code, one moves the step.
    const { count } = await withPrismaErrors(() =>
      this.db.user.updateMany({
        where: { id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      }),
    );
    return count === 1;
  }

  async search(prefix: string, page: { limit: number; after?: string }): Promise<User[]> {
    // startsWith is LIKE 'prefix%': escape LIKE's own characters so the prefix is matched literally.
    const literal = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    const where: Prisma.UserWhereInput = {};
    if (prefix !== "") where.OR = [{ usernameNormalized: { startsWith: literal } }, { email: { startsWith: literal, mode: "insensitive" } }];
    if (page.after !== undefined) where.usernameNormalized = { gt: page.after };
    const rows = await withPrismaErrors(() => this.db.user.findMany({ where, orderBy: { usernameNormalized: "asc" }, take: page.limit }));
    return rows.map(toUser);
  }

  async updateKeepingRole(id: string, role: string, patch: UserPatch): Promise<User> {
    // Inside the caller's transaction: lock every current holder (in id order, so concurrent
    // callers queue instead of deadlocking), then decide. A caller that waited re-reads the
    // rows it locks (READ COMMITTED re-checks the WHERE on the committed version), so it sees
    // a holder the other call just removed as gone.
    const holders = await withPrismaErrors(
      () => this.db.$queryRaw<{ id: string }[]>`
        SELECT id::text AS id FROM users
        WHERE ${role} = ANY(roles) AND is_active AND deleted_at IS NULL
        ORDER BY id FOR UPDATE`,
    );
    const user = await this.findById(id);
    if (!user) throw new DomainError("USER_NOT_FOUND", "The user does not exist");
    const held = holders.some((h) => h.id === id);
    if (held && !holdsRoleAfter(user, role, patch) && holders.length === 1) {
      throw new DomainError("LAST_ADMIN", `The last user with the ${role} role cannot lose it`);
    }
    return this.update(id, patch);
  }
}

/** The columns a patch sets; undefined fields are left alone. */
function userData(patch: UserPatch): Prisma.UserUncheckedUpdateManyInput {
  return {
    username: patch.username,
    usernameNormalized: patch.usernameNormalized,
    email: patch.email,
    phone: patch.phone,
    fullName: patch.fullName,
    emailVerified: patch.emailVerified,
    phoneVerified: patch.phoneVerified,
    passwordHash: patch.passwordHash,
    isActive: patch.isActive,
    deletedAt: patch.deletedAt,
    lastLoginAt: patch.lastLoginAt,
    mfaEnabled: patch.mfaEnabled,
    totpSecretEnc: patch.totpSecretEnc,
    totpLastStep: patch.totpLastStep,
    roles: patch.roles,
    plan: patch.plan,
    authVersion: patch.bumpAuthVersion ? { increment: 1 } : undefined,
    updatedAt: patch.updatedAt,
  };
}
