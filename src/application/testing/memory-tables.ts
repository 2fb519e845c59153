// The tables of the in-memory unit of work and the schema rules the database enforces on them
// (prisma/schema.prisma): primary keys, unique indexes, foreign keys and their ON DELETE
// actions. Rows are never changed in place: a write puts a new object in the map, so a
// transaction's copy of the tables is a copy of the maps, not of every row.

import { DomainError } from "../../domain/errors.js";
import type { RefreshTokenRecord, Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";
import type { ApiKeyRecord, ServiceAccount } from "../ports/api-keys.js";
import type { AuditRecord } from "../ports/audit.js";
import type { OtpCodeRecord } from "../ports/codes.js";
import type { CatalogueService, Plan } from "../ports/plans.js";
import type { OAuthIdentity, StoredPasskey } from "../ports/sign-in-methods.js";
import { SEEDED_PLANS, SEEDED_SERVICES } from "./seeded-plans.js";

export interface RecoveryCodeRow {
  id: string;
  userId: string;
  codeHash: string;
  createdAt: Date;
  usedAt: Date | null;
}

export interface Tables {
  users: Map<string, User>;
  sessions: Map<string, Session>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  auditEvents: Map<string, AuditRecord>;
  otpCodes: Map<string, OtpCodeRecord>;
  recoveryCodes: Map<string, RecoveryCodeRow>;
  apiKeys: Map<string, ApiKeyRecord>;
  serviceAccounts: Map<string, ServiceAccount>;
  /** Seeded as the migration seeds them (memory-plans.ts). */
  plans: Map<string, Plan>;
  catalogue: Map<string, CatalogueService>;
  oauthIdentities: Map<string, OAuthIdentity>;
  passkeys: Map<string, StoredPasskey>;
}

/** Runs one statement against the tables it may see (the committed ones, or a transaction's copy). */
export type Run = <T>(statement: (t: Tables) => T) => Promise<T>;

export function emptyTables(): Tables {
  return {
    users: new Map(),
    sessions: new Map(),
    refreshTokens: new Map(),
    auditEvents: new Map(),
    otpCodes: new Map(),
    recoveryCodes: new Map(),
    apiKeys: new Map(),
    serviceAccounts: new Map(),
    plans: new Map(SEEDED_PLANS.map((p) => [p.code, { ...p }])),
    catalogue: new Map(SEEDED_SERVICES.map((c) => [c.code, { ...c }])),
    oauthIdentities: new Map(),
    passkeys: new Map(),
  };
}

/** A copy a transaction may write to; the rows are shared (they are never mutated). */
export function copyTables(t: Tables): Tables {
  return {
    users: new Map(t.users),
    sessions: new Map(t.sessions),
    refreshTokens: new Map(t.refreshTokens),
    auditEvents: new Map(t.auditEvents),
    otpCodes: new Map(t.otpCodes),
    recoveryCodes: new Map(t.recoveryCodes),
    apiKeys: new Map(t.apiKeys),
    serviceAccounts: new Map(t.serviceAccounts),
    plans: new Map(t.plans),
    catalogue: new Map(t.catalogue),
    oauthIdentities: new Map(t.oauthIdentities),
    passkeys: new Map(t.passkeys),
  };
}

/** A deep copy (Dates, arrays, bytes): what a caller gets can never alias a stored row. */
export function detached<T>(row: T): T {
  return structuredClone(row);
}

/** What a driver reports for a violated constraint that the adapters do not translate. */
export function constraintViolation(kind: "unique" | "foreign key", constraint: string): Error {
  return new Error(`${kind === "unique" ? "Unique" : "Foreign key"} constraint violated: ${constraint}`);
}

type UniqueUserField = "username" | "email" | "phone";

/** USER_ALREADY_EXISTS exactly as the Prisma adapter builds it from a P2002 on users. */
export function userAlreadyExists(field: UniqueUserField | undefined): DomainError {
  if (!field) return new DomainError("USER_ALREADY_EXISTS", "An account with these details already exists");
  return new DomainError("USER_ALREADY_EXISTS", `An account with this ${field} already exists`, {
    fieldViolations: [{ field, description: "is already taken" }],
  });
}

/**
 * Throws as the users table's indexes would for `row` (its primary key, then the unique
 * username_normalized, email and phone; NULLs never clash). `replacing` is the id of the row
 * being updated, which does not clash with itself.
 */
export function checkUserUnique(t: Tables, row: User, replacing?: string): void {
  if (replacing === undefined && t.users.has(row.id)) throw userAlreadyExists(undefined);
  for (const other of t.users.values()) {
    if (other.id === replacing) continue;
    if (other.usernameNormalized === row.usernameNormalized) throw userAlreadyExists("username");
  }
  for (const field of ["email", "phone"] as const) {
    const value = row[field];
    if (value === null) continue;
    for (const other of t.users.values()) {
      if (other.id !== replacing && other[field] === value) throw userAlreadyExists(field);
    }
  }
}

/** users.plan references plans.code (users_plan_fkey). */
export function requirePlan(t: Tables, code: string): void {
  if (!t.plans.has(code)) throw constraintViolation("foreign key", "users_plan_fkey");
}

export function requireUser(t: Tables, userId: string, constraint: string): void {
  if (!t.users.has(userId)) throw constraintViolation("foreign key", constraint);
}

/**
 * DELETE FROM users with the schema's ON DELETE rules: sessions (and so their refresh
 * tokens), one-time codes, recovery codes, API keys, provider identities and passkeys cascade; audit events keep the row with
 * user_id set null. Not a port operation (accounts are soft-deleted); tests use it to check
 * what a hard delete leaves.
 */
export function deleteUserRow(t: Tables, userId: string): boolean {
  if (!t.users.delete(userId)) return false;
  for (const s of [...t.sessions.values()]) {
    if (s.userId !== userId) continue;
    t.sessions.delete(s.id);
    for (const r of [...t.refreshTokens.values()]) if (r.sessionId === s.id) t.refreshTokens.delete(r.id);
  }
  for (const c of [...t.otpCodes.values()]) if (c.userId === userId) t.otpCodes.delete(c.id);
  for (const c of [...t.recoveryCodes.values()]) if (c.userId === userId) t.recoveryCodes.delete(c.id);
  for (const k of [...t.apiKeys.values()]) if (k.owner.type === "user" && k.owner.userId === userId) t.apiKeys.delete(k.id);
  for (const i of [...t.oauthIdentities.values()]) if (i.userId === userId) t.oauthIdentities.delete(i.id);
  for (const p of [...t.passkeys.values()]) if (p.userId === userId) t.passkeys.delete(p.id);
  for (const e of [...t.auditEvents.values()]) if (e.userId === userId) t.auditEvents.set(e.id, { ...e, userId: null });
  return true;
}

/** Newest first: createdAt desc, then id desc (ids are compared as PostgreSQL compares uuids: bytewise, like lower-case hex). */
export function newestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  const x = a.id.toLowerCase();
  const y = b.id.toLowerCase();
  return x < y ? 1 : x > y ? -1 : 0;
}

/** Strictly after the keyset cursor in newestFirst order. */
export function isBefore(row: { createdAt: Date; id: string }, cursor?: { createdAt: Date; id: string }): boolean {
  return cursor === undefined || newestFirst(cursor, row) < 0;
}

/** Prisma's `take: Math.max(0, Math.trunc(limit))`. */
export function take<T>(rows: T[], limit: number): T[] {
  return rows.slice(0, Math.max(0, Math.trunc(limit)));
}
