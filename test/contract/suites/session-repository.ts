// The SessionRepository and RefreshTokenRepository contracts, for every adapter of the ports.
// The race cases are the point: a revocation or a rotation must be won by exactly one caller
// however many run at once.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { NewSession, RefreshTokenRepository, SessionRepository } from "../../../src/application/ports/sessions.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

export function describeSessionRepositoryContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`sessions and refresh tokens on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let sessions: SessionRepository;
    let tokens: RefreshTokenRepository;

    beforeAll(() => {
      sessions = subject().uow.sessions;
      tokens = subject().uow.refreshTokens;
    });

    /** A fresh user (sessions reference users) and its id. */
    async function createUser(): Promise<string> {
      return (await subject().uow.users.create(newUserRecord(T0, { email: null }))).id;
    }

    function newSession(userId: string, overrides: Partial<NewSession> = {}): NewSession {
      return {
        id: uuidv7(),
        userId,
        deviceName: "Pixel 8",
        userAgent: "test-agent/1.0",
        ipAddress: "203.0.113.7",
        authMethod: "password",
        createdAt: T0,
        expiresAt: at(60 * 24 * 30),
        ...overrides,
      };
    }

    describe("sessions", () => {
      it("creates a session and finds it by id", async () => {
        const userId = await createUser();
        const input = newSession(userId);
        const created = await sessions.create(input);
        expect(created).toEqual({ ...input, lastUsedAt: input.createdAt, authenticatedAt: input.createdAt, revokedAt: null, revokedReason: null });
        expect(await sessions.findById(input.id)).toEqual(created);
        expect(await sessions.findById(uuidv7())).toBeNull();
      });

      it("marks a live session freshly authenticated, and never a revoked or expired one", async () => {
        const userId = await createUser();
        const live = await sessions.create(newSession(userId, { createdAt: at(1), expiresAt: at(100) }));
        expect(await sessions.markAuthenticated(live.id, at(5))).toBe(true);
        expect((await sessions.findById(live.id))?.authenticatedAt).toEqual(at(5));
        const revoked = await sessions.create(newSession(userId, { createdAt: at(1), expiresAt: at(100) }));
        await sessions.revoke(revoked.id, "logout", at(2));
        expect(await sessions.markAuthenticated(revoked.id, at(5))).toBe(false);
        const expired = await sessions.create(newSession(userId, { createdAt: at(1), expiresAt: at(4) }));
        expect(await sessions.markAuthenticated(expired.id, at(5))).toBe(false);
        expect((await sessions.findById(expired.id))?.authenticatedAt).toEqual(at(1));
        expect(await sessions.markAuthenticated(uuidv7(), at(5))).toBe(false);
      });

      it("lists live sessions newest first, leaving out revoked and expired ones", async () => {
        const userId = await createUser();
        const older = await sessions.create(newSession(userId, { createdAt: at(1) }));
        const newer = await sessions.create(newSession(userId, { createdAt: at(2) }));
        const revoked = await sessions.create(newSession(userId, { createdAt: at(3) }));
        await sessions.create(newSession(userId, { createdAt: at(4), expiresAt: at(10) }));
        await sessions.create(newSession(await createUser(), { createdAt: at(5) }));
        await sessions.revoke(revoked.id, "logout", at(6));

        // At minute 10 the short session expires: `expiresAt > now` is strict.
        const live = await sessions.listLive(userId, at(10), { limit: 50 });
        expect(live.map((s) => s.id)).toEqual([newer.id, older.id]);
        expect((await sessions.listLive(userId, at(9), { limit: 50 })).length).toBe(3);
      });

      it("pages live sessions by keyset: at most `limit`, strictly after the cursor, stable on equal times", async () => {
        const userId = await createUser();
        // Three share one millisecond: `id` alone orders them, so no page repeats or skips one.
        const created = [];
        for (const minute of [1, 2, 2, 2, 3]) created.push(await sessions.create(newSession(userId, { createdAt: at(minute) })));
        const revoked = await sessions.create(newSession(userId, { createdAt: at(2) }));
        await sessions.revoke(revoked.id, "logout", at(4));
        await sessions.create(newSession(await createUser(), { createdAt: at(2) }));
        const expected = [...created]
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((s) => s.id);

        const seen: string[] = [];
        let before: { createdAt: Date; id: string } | undefined;
        for (const size of [2, 2, 2]) {
          const page = await sessions.listLive(userId, at(5), { limit: size, ...(before ? { before } : {}) });
          expect(page.length).toBeLessThanOrEqual(size);
          seen.push(...page.map((s) => s.id));
          const last = page.at(-1);
          if (last) before = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(expected);

        // The cursor row itself is excluded; a cursor past the end gives nothing; limit 0 nothing.
        const [first, second] = expected;
        const firstRow = created.find((s) => s.id === first)!;
        expect((await sessions.listLive(userId, at(5), { limit: 1, before: firstRow })).map((s) => s.id)).toEqual([second]);
        const lastRow = created.find((s) => s.id === expected.at(-1))!;
        expect(await sessions.listLive(userId, at(5), { limit: 10, before: lastRow })).toEqual([]);
        expect(await sessions.listLive(userId, at(5), { limit: 0 })).toEqual([]);
      });

      it("revokes once: true the first time, false after", async () => {
        const s = await sessions.create(newSession(await createUser()));
        expect(await sessions.revoke(s.id, "logout", at(1))).toBe(true);
        expect(await sessions.revoke(s.id, "admin", at(2))).toBe(false);
        // The first revocation stands: a later one does not overwrite time or reason.
        expect(await sessions.findById(s.id)).toMatchObject({ revokedAt: at(1), revokedReason: "logout" });
        expect(await sessions.revoke(uuidv7(), "logout", at(1))).toBe(false);
      });

      it("lets exactly one of 10 simultaneous revocations of a session win", async () => {
        const s = await sessions.create(newSession(await createUser()));
        const results = await Promise.all(Array.from({ length: 10 }, () => sessions.revoke(s.id, "logout", at(1))));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("revokes all of a user's sessions but the excepted one, returning exactly those revoked", async () => {
        const userId = await createUser();
        const keep = await sessions.create(newSession(userId));
        const a = await sessions.create(newSession(userId));
        const b = await sessions.create(newSession(userId));
        const alreadyRevoked = await sessions.create(newSession(userId));
        const otherUsers = await sessions.create(newSession(await createUser()));
        await sessions.revoke(alreadyRevoked.id, "logout", at(1));

        const revoked = await sessions.revokeAllForUser(userId, "password_changed", at(2), keep.id);
        expect([...revoked].sort()).toEqual([a.id, b.id].sort());
        expect(await sessions.findById(a.id)).toMatchObject({ revokedAt: at(2), revokedReason: "password_changed" });
        expect(await sessions.findById(alreadyRevoked.id)).toMatchObject({ revokedAt: at(1), revokedReason: "logout" });
        expect((await sessions.findById(keep.id))?.revokedAt).toBeNull();
        expect((await sessions.findById(otherUsers.id))?.revokedAt).toBeNull();

        // Without an exception the kept one goes too; a second call finds nothing left.
        expect(await sessions.revokeAllForUser(userId, "revoke_all", at(3))).toEqual([keep.id]);
        expect(await sessions.revokeAllForUser(userId, "revoke_all", at(4))).toEqual([]);
      });

      it("reports each session as revoked by only one of two simultaneous revoke-alls", async () => {
        const userId = await createUser();
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push((await sessions.create(newSession(userId))).id);
        const [x, y] = await Promise.all([sessions.revokeAllForUser(userId, "revoke_all", at(1)), sessions.revokeAllForUser(userId, "admin", at(1))]);
        expect([...x!, ...y!].sort()).toEqual([...ids].sort());
      });

      it("reads a session's status: its expiry and revocation, the same instants findById reads; null for none", async () => {
        const s = await sessions.create(newSession(await createUser(), { expiresAt: at(90) }));
        expect(await sessions.statusOf(s.id)).toEqual({ expiresAt: at(90), revokedAt: null });
        await sessions.revoke(s.id, "logout", at(3));
        const status = await sessions.statusOf(s.id);
        expect(status).toEqual({ expiresAt: at(90), revokedAt: at(3) });
        expect(status?.revokedAt).toEqual((await sessions.findById(s.id))?.revokedAt);
        expect(await sessions.statusOf(uuidv7())).toBeNull();
      });

      it("touch moves lastUsedAt and ignores a missing session", async () => {
        const s = await sessions.create(newSession(await createUser()));
        await sessions.touch(s.id, at(7));
        expect((await sessions.findById(s.id))?.lastUsedAt).toEqual(at(7));
        await expect(sessions.touch(uuidv7(), at(7))).resolves.toBeUndefined();
      });
    });

    describe("refresh tokens", () => {
      async function newToken(generation = 0) {
        const session = await sessions.create(newSession(await createUser()));
        const token = {
          id: uuidv7(),
          sessionId: session.id,
          tokenHash: `${uuidv7()}`.replace(/-/g, "").padEnd(64, "0"),
          generation,
          createdAt: T0,
          expiresAt: at(60),
        };
        await tokens.insert(token);
        return token;
      }

      it("inserts a token and finds it by hash and by id", async () => {
        const token = await newToken(3);
        const expected = { ...token, rotatedAt: null, successorId: null, successorSealed: null };
        expect(await tokens.findByHash(token.tokenHash)).toEqual(expected);
        expect(await tokens.findById(token.id)).toEqual(expected);
        expect(await tokens.findByHash("0".repeat(64))).toBeNull();
        expect(await tokens.findById(uuidv7())).toBeNull();
      });

      it("finds a token's chain by hash: the token, its session and its user, each as their own reads give them", async () => {
        const token = await newToken(4);
        const chain = await tokens.findChainByHash(token.tokenHash);
        const session = await sessions.findById(token.sessionId);
        expect(chain).not.toBeNull();
        expect(chain?.token).toEqual(await tokens.findByHash(token.tokenHash));
        expect(chain?.session).toEqual(session);
        expect(chain?.user).toEqual(await subject().uow.users.findById(session!.userId));
        expect(await tokens.findChainByHash("0".repeat(64))).toBeNull();
      });

      it("reads the chain as it stands now: a rotation, the sealed successor, a revoked session, a deactivated user, roles", async () => {
        const token = await newToken(1);
        const successor = successorOf(token, 2);
        const sealed = new Uint8Array([7, 0, 255]);
        await tokens.rotate({ id: token.id, at: at(2), successor, successorSealed: sealed });
        const session = (await sessions.findById(token.sessionId))!;
        await sessions.revoke(session.id, "logout", at(3));
        const users = subject().uow.users;
        const user = (await users.findById(session.userId))!;
        await users.updateIf(user.id, { authVersion: user.authVersion }, { isActive: false, roles: ["admin", "support"], updatedAt: at(4) });

        const chain = (await tokens.findChainByHash(token.tokenHash))!;
        expect(chain.token).toMatchObject({ rotatedAt: at(2), successorId: successor.id, generation: 1 });
        expect(Array.from(chain.token.successorSealed!)).toEqual([7, 0, 255]);
        expect(chain.session).toMatchObject({ revokedAt: at(3), revokedReason: "logout", lastUsedAt: at(2) });
        expect(chain.user).toMatchObject({ id: user.id, isActive: false, roles: ["admin", "support"], updatedAt: at(4) });
        expect((await tokens.findChainByHash(successor.tokenHash))?.token).toMatchObject({ id: successor.id, generation: 2, rotatedAt: null });
      });

      /** The successor of `parent`, as RotateRefreshToken builds it. */
      function successorOf(parent: { sessionId: string; generation: number }, minute: number) {
        return {
          id: uuidv7(),
          sessionId: parent.sessionId,
          tokenHash: `${uuidv7()}`.replace(/-/g, "").padEnd(64, "1"),
          generation: parent.generation + 1,
          createdAt: at(minute),
          expiresAt: at(60),
        };
      }

      it("rotates a token once: marks it, stores the successor, records the session's use; keeps the sealed successor byte for byte", async () => {
        const token = await newToken(2);
        const successor = successorOf(token, 5);
        const sealed = new Uint8Array([0, 1, 2, 250, 255, 0, 128]);
        expect(await tokens.rotate({ id: token.id, at: at(5), successor, successorSealed: sealed })).toBe(true);
        const again = successorOf(token, 6);
        expect(await tokens.rotate({ id: token.id, at: at(6), successor: again, successorSealed: new Uint8Array([9]) })).toBe(false);

        const stored = await tokens.findById(token.id);
        expect(stored).toMatchObject({ rotatedAt: at(5), successorId: successor.id });
        expect(stored?.successorSealed).toBeInstanceOf(Uint8Array);
        expect(Array.from(stored!.successorSealed!)).toEqual(Array.from(sealed));
        expect(await tokens.findByHash(successor.tokenHash)).toEqual({ ...successor, rotatedAt: null, successorId: null, successorSealed: null });
        // The losing rotation wrote nothing: no second successor, the session's last use unmoved.
        expect(await tokens.findById(again.id)).toBeNull();
        expect((await sessions.findById(token.sessionId))?.lastUsedAt).toEqual(at(5));
      });

      it("lets exactly one of 10 simultaneous rotations of a token win, and stores only its successor", async () => {
        const token = await newToken();
        const attempts = Array.from({ length: 10 }, (_, i) => ({ successor: successorOf(token, 1), sealed: new Uint8Array([i]) }));
        const results = await Promise.all(attempts.map((a) => tokens.rotate({ id: token.id, at: at(1), successor: a.successor, successorSealed: a.sealed })));
        expect(results.filter(Boolean)).toHaveLength(1);
        // The stored successor is the winner's, not a mix of several writers.
        const winner = attempts[results.indexOf(true)]!;
        const stored = await tokens.findById(token.id);
        expect(stored?.successorId).toBe(winner.successor.id);
        expect(Array.from(stored!.successorSealed!)).toEqual(Array.from(winner.sealed));
        const successors = await Promise.all(attempts.map((a) => tokens.findById(a.successor.id)));
        expect(successors.filter((s) => s !== null).map((s) => s!.id)).toEqual([winner.successor.id]);
      });

      it("answers false for rotating a token that does not exist, and writes nothing", async () => {
        const token = await newToken();
        const successor = successorOf(token, 1);
        expect(await tokens.rotate({ id: uuidv7(), at: at(1), successor, successorSealed: new Uint8Array([1]) })).toBe(false);
        expect(await tokens.findById(successor.id)).toBeNull();
      });

      it("rotates all or nothing: a successor that cannot be stored leaves the token unrotated", async () => {
        const token = await newToken();
        const other = await newToken();
        const clash = { ...successorOf(token, 1), tokenHash: other.tokenHash };
        await expect(tokens.rotate({ id: token.id, at: at(1), successor: clash, successorSealed: new Uint8Array([1]) })).rejects.toThrow();
        expect((await tokens.findById(token.id))?.rotatedAt).toBeNull();
        expect((await sessions.findById(token.sessionId))?.lastUsedAt).toEqual(T0);
      });
    });
  });
}
