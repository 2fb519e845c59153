// The repositories of the Repositories port over in-memory tables, with the semantics of the
// Prisma adapters (src/adapters/prisma/*): every conditional write checks and writes in one
// synchronous step, so of N racing callers exactly one wins, as the database's row lock and
// re-checked WHERE decide it there.
import type { RevokeReason, Session } from "../../domain/session.js";
import type { AuditRecord } from "../ports/audit.js";
import type { NewOtpCode, OtpCodeRecord } from "../ports/codes.js";
import type { OtpPurpose } from "../ports/delivery.js";
import type { NewRefreshToken, NewSession } from "../ports/sessions.js";
import type { Repositories } from "../ports/unit-of-work.js";
import { memoryApiKeyRepository, memoryServiceAccountRepository } from "./memory-api-keys.js";
import { memoryCatalogueRepository, memoryPlanRepository } from "./memory-plans.js";
import { memoryOAuthIdentityRepository, memoryPasskeyRepository } from "./memory-sign-in-methods.js";
import { constraintViolation, detached, isBefore, newestFirst, type Run, requireUser, take } from "./memory-tables.js";
import { memoryUserRepository } from "./memory-users.js";

type Page = { limit: number; before?: { createdAt: Date; id: string } };

/** Audit metadata is a JSON column read back as a flat object of primitives (mappers.ts). */
function flatMetadata(metadata: AuditRecord["metadata"]): AuditRecord["metadata"] {
  const out: AuditRecord["metadata"] = {};
  for (const [key, v] of Object.entries(metadata)) {
    if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) out[key] = v;
  }
  return out;
}

function latest(rows: Iterable<OtpCodeRecord>, match: (c: OtpCodeRecord) => boolean): OtpCodeRecord | null {
  const found = [...rows].filter(match).sort(newestFirst)[0];
  return found ? detached(found) : null;
}

/** A full set of repositories whose every statement goes through `run`. */
export function memoryRepositories(run: Run): Repositories {
  return {
    users: memoryUserRepository(run),

    sessions: {
      create: (s: NewSession) =>
        run((t) => {
          if (t.sessions.has(s.id)) throw constraintViolation("unique", "sessions_pkey");
          requireUser(t, s.userId, "sessions_user_id_fkey");
          const row: Session = {
            id: s.id,
            userId: s.userId,
            deviceName: s.deviceName,
            userAgent: s.userAgent,
            ipAddress: s.ipAddress,
            authMethod: s.authMethod,
            createdAt: new Date(s.createdAt),
            lastUsedAt: new Date(s.createdAt),
            authenticatedAt: new Date(s.createdAt),
            expiresAt: new Date(s.expiresAt),
            revokedAt: null,
            revokedReason: null,
          };
          t.sessions.set(row.id, row);
          return detached(row);
        }),
      findById: (id) => run((t) => detached(t.sessions.get(id) ?? null)),
      statusOf: (id) =>
        run((t) => {
          const s = t.sessions.get(id);
          return s ? { expiresAt: new Date(s.expiresAt), revokedAt: s.revokedAt === null ? null : new Date(s.revokedAt) } : null;
        }),
      listLive: (userId: string, now: Date, page: Page) =>
        run((t) => {
          const live = [...t.sessions.values()].filter(
            (s) => s.userId === userId && s.revokedAt === null && s.expiresAt.getTime() > now.getTime() && isBefore(s, page.before),
          );
          return take(live.sort(newestFirst), page.limit).map(detached);
        }),
      revoke: (id: string, reason: RevokeReason, now: Date) =>
        run((t) => {
          const s = t.sessions.get(id);
          if (!s || s.revokedAt !== null) return false;
          t.sessions.set(id, { ...s, revokedAt: new Date(now), revokedReason: reason });
          return true;
        }),
      revokeAllForUser: (userId: string, reason: RevokeReason, now: Date, exceptId?: string) =>
        run((t) => {
          const revoked: string[] = [];
          for (const s of [...t.sessions.values()]) {
            if (s.userId !== userId || s.revokedAt !== null || s.id === exceptId) continue;
            t.sessions.set(s.id, { ...s, revokedAt: new Date(now), revokedReason: reason });
            revoked.push(s.id);
          }
          return revoked;
        }),
      touch: (id, now) =>
        run((t) => {
          const s = t.sessions.get(id);
          if (s) t.sessions.set(id, { ...s, lastUsedAt: new Date(now) });
        }),
      markAuthenticated: (id, now) =>
        run((t) => {
          const s = t.sessions.get(id);
          if (!s || s.revokedAt !== null || s.expiresAt.getTime() <= now.getTime()) return false;
          t.sessions.set(id, { ...s, authenticatedAt: new Date(now), lastUsedAt: new Date(now) });
          return true;
        }),
    },

    refreshTokens: {
      insert: (r: NewRefreshToken) =>
        run((t) => {
          if (t.refreshTokens.has(r.id)) throw constraintViolation("unique", "refresh_tokens_pkey");
          for (const other of t.refreshTokens.values()) {
            if (other.tokenHash === r.tokenHash) throw constraintViolation("unique", "refresh_tokens_token_hash_key");
          }
          if (!t.sessions.has(r.sessionId)) throw constraintViolation("foreign key", "refresh_tokens_session_id_fkey");
          t.refreshTokens.set(r.id, {
            id: r.id,
            sessionId: r.sessionId,
            tokenHash: r.tokenHash,
            generation: r.generation,
            createdAt: new Date(r.createdAt),
            expiresAt: new Date(r.expiresAt),
            rotatedAt: null,
            successorId: null,
            successorSealed: null,
          });
        }),
      findByHash: (tokenHash) =>
        run((t) => {
          for (const r of t.refreshTokens.values()) if (r.tokenHash === tokenHash) return detached(r);
          return null;
        }),
      findChainByHash: (tokenHash) =>
        run((t) => {
          for (const r of t.refreshTokens.values()) {
            if (r.tokenHash !== tokenHash) continue;
            const session = t.sessions.get(r.sessionId);
            const user = session ? t.users.get(session.userId) : undefined;
            // The foreign keys (with their cascades) make a token without its session or user impossible.
            if (!session || !user) return null;
            return { token: detached(r), session: detached(session), user: detached(user) };
          }
          return null;
        }),
      findById: (id) => run((t) => detached(t.refreshTokens.get(id) ?? null)),
      rotate: ({ id, at, successor, successorSealed }) =>
        run((t) => {
          const r = t.refreshTokens.get(id);
          if (!r || r.rotatedAt !== null) return false;
          // Checked before anything is written: the step is all or nothing, like the statement.
          if (t.refreshTokens.has(successor.id)) throw constraintViolation("unique", "refresh_tokens_pkey");
          for (const other of t.refreshTokens.values()) {
            if (other.tokenHash === successor.tokenHash) throw constraintViolation("unique", "refresh_tokens_token_hash_key");
          }
          if (!t.sessions.has(successor.sessionId)) throw constraintViolation("foreign key", "refresh_tokens_session_id_fkey");
          t.refreshTokens.set(id, { ...r, rotatedAt: new Date(at), successorId: successor.id, successorSealed: Uint8Array.from(successorSealed) });
          t.refreshTokens.set(successor.id, {
            id: successor.id,
            sessionId: successor.sessionId,
            tokenHash: successor.tokenHash,
            generation: successor.generation,
            createdAt: new Date(successor.createdAt),
            expiresAt: new Date(successor.expiresAt),
            rotatedAt: null,
            successorId: null,
            successorSealed: null,
          });
          const session = t.sessions.get(r.sessionId);
          if (session) t.sessions.set(session.id, { ...session, lastUsedAt: new Date(at) });
          return true;
        }),
    },

    audit: {
      record: (e: AuditRecord) =>
        run((t) => {
          if (t.auditEvents.has(e.id)) throw constraintViolation("unique", "audit_events_pkey");
          if (e.userId !== null) requireUser(t, e.userId, "audit_events_user_id_fkey");
          t.auditEvents.set(e.id, { ...e, metadata: flatMetadata(e.metadata), createdAt: new Date(e.createdAt) });
        }),
      listForUser: (userId: string, options: Page) =>
        run((t) => {
          const rows = [...t.auditEvents.values()].filter((e) => e.userId === userId && isBefore(e, options.before));
          return take(rows.sort(newestFirst), options.limit).map(detached);
        }),
    },

    otpCodes: {
      insert: (c: NewOtpCode) =>
        run((t) => {
          if (t.otpCodes.has(c.id)) throw constraintViolation("unique", "otp_codes_pkey");
          if (c.userId !== null) requireUser(t, c.userId, "otp_codes_user_id_fkey");
          t.otpCodes.set(c.id, {
            id: c.id,
            userId: c.userId,
            purpose: c.purpose,
            channel: c.channel,
            destination: c.destination,
            codeHash: c.codeHash,
            createdAt: new Date(c.createdAt),
            expiresAt: new Date(c.expiresAt),
            attempts: 0,
            consumedAt: null,
          });
        }),
      delete: (id) =>
        run((t) => {
          t.otpCodes.delete(id);
        }),
      latestSentTo: (destination) => run((t) => latest(t.otpCodes.values(), (c) => c.destination === destination)),
      latestFor: (destination: string, purpose: OtpPurpose) =>
        run((t) => latest(t.otpCodes.values(), (c) => c.destination === destination && c.purpose === purpose)),
      recordFailedAttempt: (id, maxAttempts, now) =>
        run((t) => {
          const c = t.otpCodes.get(id);
          if (!c || c.consumedAt !== null) return;
          const attempts = c.attempts + 1;
          t.otpCodes.set(id, { ...c, attempts, consumedAt: attempts >= maxAttempts ? new Date(now) : null });
        }),
      consume: (id, now) =>
        run((t) => {
          const c = t.otpCodes.get(id);
          if (!c || c.consumedAt !== null) return false;
          t.otpCodes.set(id, { ...c, consumedAt: new Date(now) });
          return true;
        }),
    },

    recoveryCodes: {
      replaceAll: (userId, codes, now) =>
        run((t) => {
          const remaining = [...t.recoveryCodes.values()].filter((c) => c.userId !== userId);
          // The checks createMany's insert makes, done before anything is written.
          if (codes.length > 0) requireUser(t, userId, "recovery_codes_user_id_fkey");
          const ids = new Set(remaining.map((c) => c.id));
          const hashes = new Set<string>();
          for (const c of codes) {
            if (ids.has(c.id)) throw constraintViolation("unique", "recovery_codes_pkey");
            if (hashes.has(c.codeHash)) throw constraintViolation("unique", "recovery_codes_user_id_code_hash_key");
            ids.add(c.id);
            hashes.add(c.codeHash);
          }
          for (const c of [...t.recoveryCodes.values()]) if (c.userId === userId) t.recoveryCodes.delete(c.id);
          for (const c of codes) {
            t.recoveryCodes.set(c.id, { id: c.id, userId, codeHash: c.codeHash, createdAt: new Date(now), usedAt: null });
          }
        }),
      use: (userId, codeHash, now) =>
        run((t) => {
          for (const c of t.recoveryCodes.values()) {
            if (c.userId !== userId || c.codeHash !== codeHash || c.usedAt !== null) continue;
            t.recoveryCodes.set(c.id, { ...c, usedAt: new Date(now) });
            return true;
          }
          return false;
        }),
      deleteAll: (userId) =>
        run((t) => {
          for (const c of [...t.recoveryCodes.values()]) if (c.userId === userId) t.recoveryCodes.delete(c.id);
        }),
    },

    apiKeys: memoryApiKeyRepository(run),
    serviceAccounts: memoryServiceAccountRepository(run),
    plans: memoryPlanRepository(run),
    catalogue: memoryCatalogueRepository(run),
    oauthIdentities: memoryOAuthIdentityRepository(run),
    passkeys: memoryPasskeyRepository(run),
  };
}
