// The OtpCodeRepository contract, for every adapter of the port. The codes are single-use and
// their tries are bounded, under races too: consume and recordFailedAttempt are conditional
// updates, so ten simultaneous calls must not let a code verify twice or outlive its last
// allowed try.
import { v7 as uuidv7 } from "uuid";
import { beforeAll, describe, expect, it } from "vitest";
import type { NewOtpCode, OtpCodeRepository } from "../../../src/application/ports/codes.js";
import type { NewUser, UserRepository } from "../../../src/application/ports/users.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1_000);

let seq = 0;
/** A destination no other test uses, so the cases can share one database. */
function destination(): string {
  seq += 1;
  return `otp${Date.now().toString(36)}${seq}@example.com`;
}

const newUser = (): NewUser => newUserRecord(T0);

function code(overrides: Partial<NewOtpCode> & Pick<NewOtpCode, "destination">): NewOtpCode {
  const createdAt = overrides.createdAt ?? T0;
  return {
    id: uuidv7(),
    userId: null,
    purpose: "login",
    channel: "email",
    codeHash: `hash-${uuidv7()}`,
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 600_000),
    ...overrides,
  };
}

/** What the repository reads back for a freshly inserted code. */
const fresh = (c: NewOtpCode) => ({ ...c, attempts: 0, consumedAt: null });

export function describeOtpCodeRepositoryContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`OtpCodeRepository on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let codes: OtpCodeRepository;
    let users: UserRepository;

    beforeAll(() => {
      codes = subject().uow.otpCodes;
      users = subject().uow.users;
    });

    /** The stored state of one code, read through the port (each test has its own destination). */
    async function stored(c: NewOtpCode) {
      return codes.latestFor(c.destination, c.purpose);
    }

    it("finds nothing for a destination that was never sent to", async () => {
      const to = destination();
      expect(await codes.latestFor(to, "login")).toBeNull();
      expect(await codes.latestSentTo(to)).toBeNull();
    });

    it("latestFor returns the newest code for (destination, purpose), every field round-tripped", async () => {
      const user = await users.create(newUser());
      const to = destination();
      const other = destination();
      const older = code({ destination: to, userId: user.id, purpose: "login", createdAt: at(0) });
      const newer = code({ destination: to, userId: user.id, purpose: "login", createdAt: at(30), channel: "sms" });
      // Newer rows of another purpose and of another destination must not be picked.
      const otherPurpose = code({ destination: to, userId: user.id, purpose: "reset_password", createdAt: at(60) });
      const otherDestination = code({ destination: other, userId: user.id, purpose: "login", createdAt: at(90) });
      // Inserted newest-first, so insertion order cannot stand in for createdAt.
      for (const c of [otherDestination, otherPurpose, newer, older]) await codes.insert(c);

      expect(await codes.latestFor(to, "login")).toEqual(fresh(newer));
      expect(await codes.latestFor(to, "reset_password")).toEqual(fresh(otherPurpose));
      expect(await codes.latestFor(to, "verify_contact")).toBeNull();
      expect(await codes.latestFor(other, "login")).toEqual(fresh(otherDestination));
    });

    it("latestFor breaks a createdAt tie by the later (time-ordered) id", async () => {
      const to = destination();
      const first = code({ destination: to, createdAt: at(0) });
      const second = code({ destination: to, createdAt: at(0) });
      await codes.insert(second);
      await codes.insert(first);
      expect((await codes.latestFor(to, "login"))?.id).toBe(second.id);
    });

    it("latestSentTo returns the newest code of any purpose, and ignores other destinations", async () => {
      const to = destination();
      const login = code({ destination: to, purpose: "login", createdAt: at(0) });
      const verify = code({ destination: to, purpose: "verify_contact", createdAt: at(20) });
      const reset = code({ destination: to, purpose: "reset_password", createdAt: at(10) });
      const elsewhere = code({ destination: destination(), purpose: "login", createdAt: at(99) });
      for (const c of [login, verify, reset, elsewhere]) await codes.insert(c);

      expect(await codes.latestSentTo(to)).toEqual(fresh(verify));
      // A consumed code still counts as sent (it is what the resend limit looks at).
      expect(await codes.consume(verify.id, at(21))).toBe(true);
      expect(await codes.latestSentTo(to)).toEqual({ ...fresh(verify), consumedAt: at(21) });
    });

    it("delete removes the code, so the previous one is the latest again; deleting twice is harmless", async () => {
      const to = destination();
      const previous = code({ destination: to, createdAt: at(0) });
      const failedSend = code({ destination: to, createdAt: at(30) });
      await codes.insert(previous);
      await codes.insert(failedSend);

      await codes.delete(failedSend.id);
      expect(await codes.latestFor(to, "login")).toEqual(fresh(previous));
      expect(await codes.latestSentTo(to)).toEqual(fresh(previous));
      await codes.delete(failedSend.id);
      await codes.delete(previous.id);
      expect(await codes.latestSentTo(to)).toBeNull();
    });

    it("consume is true exactly once and records when", async () => {
      const c = code({ destination: destination() });
      await codes.insert(c);
      expect(await codes.consume(c.id, at(5))).toBe(true);
      expect(await codes.consume(c.id, at(6))).toBe(false);
      expect(await stored(c)).toEqual({ ...fresh(c), consumedAt: at(5) });
    });

    it("consume of a code that does not exist is false", async () => {
      expect(await codes.consume(uuidv7(), at(5))).toBe(false);
    });

    it("10 simultaneous consume calls on one code: exactly one wins", async () => {
      const c = code({ destination: destination() });
      await codes.insert(c);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codes.consume(c.id, at(i + 1))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await stored(c))?.consumedAt).toEqual(at(winner + 1));
    });

    it("recordFailedAttempt counts tries; the one that reaches maxAttempts burns the code", async () => {
      const c = code({ destination: destination() });
      await codes.insert(c);

      await codes.recordFailedAttempt(c.id, 3, at(1));
      expect(await stored(c)).toMatchObject({ attempts: 1, consumedAt: null });
      await codes.recordFailedAttempt(c.id, 3, at(2));
      expect(await stored(c)).toMatchObject({ attempts: 2, consumedAt: null });
      await codes.recordFailedAttempt(c.id, 3, at(3));
      expect(await stored(c)).toMatchObject({ attempts: 3, consumedAt: at(3) });

      // Burnt: the right code can no longer be used.
      expect(await codes.consume(c.id, at(4))).toBe(false);
      expect((await stored(c))?.consumedAt).toEqual(at(3));
    });

    it("recordFailedAttempt with maxAttempts 1 burns the code on the first wrong try", async () => {
      const c = code({ destination: destination() });
      await codes.insert(c);
      await codes.recordFailedAttempt(c.id, 1, at(1));
      expect(await stored(c)).toMatchObject({ attempts: 1, consumedAt: at(1) });
      expect(await codes.consume(c.id, at(2))).toBe(false);
    });

    it("recordFailedAttempt on a consumed code changes nothing", async () => {
      const c = code({ destination: destination() });
      await codes.insert(c);
      await codes.recordFailedAttempt(c.id, 3, at(1));
      expect(await codes.consume(c.id, at(2))).toBe(true);

      await codes.recordFailedAttempt(c.id, 3, at(3));
      await codes.recordFailedAttempt(c.id, 3, at(4));
      await codes.recordFailedAttempt(c.id, 3, at(5));
      expect(await stored(c)).toEqual({ ...fresh(c), attempts: 1, consumedAt: at(2) });
    });

    it("recordFailedAttempt on a code that does not exist is a no-op", async () => {
      await expect(codes.recordFailedAttempt(uuidv7(), 3, at(1))).resolves.toBeUndefined();
    });

    it("10 simultaneous recordFailedAttempt calls with maxAttempts 3: the code ends burnt", async () => {
      const c = code({ destination: destination() });
      await codes.insert(c);
      await Promise.all(Array.from({ length: 10 }, (_, i) => codes.recordFailedAttempt(c.id, 3, at(i + 1))));
      const after = await stored(c);
      expect(after?.attempts).toBeGreaterThanOrEqual(3);
      expect(after?.attempts).toBeLessThanOrEqual(10);
      expect(after?.consumedAt).not.toBeNull();
      expect(await codes.consume(c.id, at(20))).toBe(false);
    });

    it("10 simultaneous recordFailedAttempt calls with maxAttempts 3: attempts stops at exactly 3", async () => {
      // Counting and burning are one statement: a try that finds the code burnt counts nothing.
      const c = code({ destination: destination() });
      await codes.insert(c);
      await Promise.all(Array.from({ length: 10 }, (_, i) => codes.recordFailedAttempt(c.id, 3, at(i + 1))));
      const after = await stored(c);
      expect(after?.attempts).toBe(3);
      expect(after?.consumedAt).not.toBeNull();
    });

    it("a code with userId null (a send to an unknown destination) round-trips", async () => {
      const c = code({ destination: destination(), userId: null, purpose: "reset_password", channel: "sms" });
      await codes.insert(c);
      expect(await codes.latestFor(c.destination, "reset_password")).toEqual(fresh(c));
      expect(await codes.latestSentTo(c.destination)).toEqual(fresh(c));
      expect(await codes.consume(c.id, at(1))).toBe(true);
    });

    it("deleting the user deletes its codes, and leaves other codes to the destination alone", async () => {
      const user = await users.create(newUser());
      const to = destination();
      const own = code({ destination: to, userId: user.id, purpose: "login", createdAt: at(10) });
      const anonymous = code({ destination: to, userId: null, purpose: "login", createdAt: at(0) });
      await codes.insert(anonymous);
      await codes.insert(own);
      expect((await codes.latestFor(to, "login"))?.id).toBe(own.id);

      await subject().probe.deleteUser(user.id);
      expect(await subject().probe.otpCodeCount(user.id)).toBe(0);
      expect(await codes.latestFor(to, "login")).toEqual(fresh(anonymous));
      expect(await codes.consume(own.id, at(11))).toBe(false);
    });
  });
}
