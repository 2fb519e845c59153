// The UserRepository.advanceTotpStep contract, for every adapter of the port: a TOTP code is
// usable once (a replay of the same or an older time step is refused, also when the same code
// arrives twice at once).
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { NewUser, UserRepository } from "../../../src/application/ports/users.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");
/** A realistic RFC 6238 step (30 s) around T0. */
const STEP = Math.floor(T0.getTime() / 30_000);

const newUser = (): NewUser => newUserRecord(T0);

export function describeTotpStepContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`UserRepository.advanceTotpStep on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let users: UserRepository;

    beforeAll(() => {
      users = subject().uow.users;
    });

    /** The stored step, read from the store itself rather than through the port. */
    const lastStep = (id: string) => subject().probe.totpLastStep(id);

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
}
