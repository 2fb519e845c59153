// Two race-safe conditional writes, run against Prisma on every database kind available:
// UserRepository.advanceTotpStep, which makes a TOTP code usable once (a replay of the same
// or an older time step is refused, also when the same code arrives twice at once), and
// PrismaAppSecretRepository.getOrCreate, which lets instances starting together agree on one
// server secret.
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaAppSecretRepository } from "../../src/adapters/prisma/app-secret-repository.js";
import { PrismaUserRepository } from "../../src/adapters/prisma/user-repository.js";
import type { NewUser, UserRepository } from "../../src/application/ports/users.js";
import { databaseKinds, createTestDatabaseOf, type TestDatabase } from "../support/database.js";
import { newUserRecord } from "../support/users.js";

const kinds = await databaseKinds();

const T0 = new Date("2024-05-01T10:00:00.123Z");
/** A realistic RFC 6238 step (30 s) around T0. */
const STEP = Math.floor(T0.getTime() / 30_000);

const newUser = (): NewUser => newUserRecord(T0);

describe.each(kinds)("advanceTotpStep and getOrCreate on %s", (kind) => {
  let testDb: TestDatabase;
  let users: UserRepository;
  let secrets: PrismaAppSecretRepository;

  beforeAll(async () => {
    testDb = await createTestDatabaseOf(kind);
    users = new PrismaUserRepository(testDb.db.prisma);
    secrets = new PrismaAppSecretRepository(testDb.db.prisma);
  });

  afterAll(async () => {
    await testDb?.drop();
  });

  const lastStep = async (id: string) =>
    (await testDb.db.prisma.user.findUniqueOrThrow({ where: { id }, select: { totpLastStep: true } })).totpLastStep;

  describe("UserRepository.advanceTotpStep", () => {
    it("accepts the first step when none was recorded, and refuses a replay of it", async () => {
      const { id } = await users.create(newUser());
      expect(await lastStep(id)).toBeNull();
      expect(await users.advanceTotpStep(id, STEP)).toBe(true);
      expect(await lastStep(id)).toBe(STEP);
      expect(await users.advanceTotpStep(id, STEP)).toBe(false);
      expect(await lastStep(id)).toBe(STEP);
    });

    it("refuses a lower step and keeps the recorded one; accepts a higher one", async () => {
      const { id } = await users.create(newUser());
      expect(await users.advanceTotpStep(id, STEP)).toBe(true);
      expect(await users.advanceTotpStep(id, STEP - 1)).toBe(false);
      expect(await lastStep(id)).toBe(STEP);
      expect(await users.advanceTotpStep(id, STEP + 1)).toBe(true);
      expect(await lastStep(id)).toBe(STEP + 1);
      // The step accepted a moment ago (drift window) is now in the past.
      expect(await users.advanceTotpStep(id, STEP)).toBe(false);
      expect(await users.advanceTotpStep(id, STEP + 1)).toBe(false);
      expect(await users.advanceTotpStep(id, STEP + 3)).toBe(true);
      expect(await lastStep(id)).toBe(STEP + 3);
    });

    it("accepts step 0 when none was recorded (null is not 0)", async () => {
      const { id } = await users.create(newUser());
      expect(await users.advanceTotpStep(id, 0)).toBe(true);
      expect(await users.advanceTotpStep(id, 0)).toBe(false);
    });

    it("is false for a user that does not exist", async () => {
      expect(await users.advanceTotpStep(uuidv7(), STEP)).toBe(false);
    });

    it("only touches the given user", async () => {
      const a = await users.create(newUser());
      const b = await users.create(newUser());
      expect(await users.advanceTotpStep(a.id, STEP + 5)).toBe(true);
      expect(await lastStep(b.id)).toBeNull();
      expect(await users.advanceTotpStep(b.id, STEP)).toBe(true);
    });

    it("10 simultaneous calls with the same step: exactly one is accepted (from null)", async () => {
      const { id } = await users.create(newUser());
      const results = await Promise.all(Array.from({ length: 10 }, () => users.advanceTotpStep(id, STEP)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await lastStep(id)).toBe(STEP);
    });

    it("10 simultaneous calls with the same step: exactly one is accepted (from an earlier step)", async () => {
      const { id } = await users.create(newUser());
      expect(await users.advanceTotpStep(id, STEP - 1)).toBe(true);
      const results = await Promise.all(Array.from({ length: 10 }, () => users.advanceTotpStep(id, STEP)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await lastStep(id)).toBe(STEP);
    });
  });

  describe("PrismaAppSecretRepository.getOrCreate", () => {
    it("two simultaneous calls on a new name both return the one stored value", async () => {
      const name = `secret-${uuidv7()}`;
      const [a, b] = await Promise.all([
        secrets.getOrCreate(name, () => "value-a", T0),
        secrets.getOrCreate(name, () => "value-b", T0),
      ]);
      expect(["value-a", "value-b"]).toContain(a);
      expect(b).toBe(a);
      const row = await testDb.db.prisma.appSecret.findUniqueOrThrow({ where: { name } });
      expect(row.value).toBe(a);
      expect(row.createdAt).toEqual(T0);
    });

    it("10 simultaneous calls on a new name all return the one stored value", async () => {
      const name = `secret-${uuidv7()}`;
      const values = await Promise.all(
        Array.from({ length: 10 }, (_, i) => secrets.getOrCreate(name, () => `value-${i}`, T0)),
      );
      expect(new Set(values).size).toBe(1);
      expect(await testDb.db.prisma.appSecret.count({ where: { name } })).toBe(1);
    });

    it("an existing secret is returned as stored, whatever make would produce now", async () => {
      const name = `secret-${uuidv7()}`;
      expect(await secrets.getOrCreate(name, () => "first", T0)).toBe("first");
      expect(await secrets.getOrCreate(name, () => "second", new Date(T0.getTime() + 1_000))).toBe("first");
      expect(await secrets.getOrCreate(`other-${name}`, () => "own", T0)).toBe("own");
    });
  });
});
