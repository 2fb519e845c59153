// What a repository contract suite is given: a unit of work to test and a probe below the
// ports. The suites are exported functions (Lucia's testAdapter shape), called once per
// adapter from the *.contract.test.ts files: PGlite, PostgreSQL when reachable, memory.
import { afterAll, beforeAll } from "vitest";
import type { UnitOfWork } from "../../../src/application/ports/unit-of-work.js";

/**
 * Reads and writes a few checks need that no port offers (a count of rows, a hard delete),
 * each answered from the adapter's own storage rather than through the code under test.
 */
export interface StoreProbe {
  /** Every recovery code row of the user, used or not, ordered by codeHash. */
  recoveryCodes(userId: string): Promise<{ codeHash: string; usedAt: Date | null }[]>;
  /** How many one-time-code rows reference the user. */
  otpCodeCount(userId: string): Promise<number>;
  /** How many audit rows reference the user. */
  auditEventCount(userId: string): Promise<number>;
  /** The user_id column of one audit row; undefined when there is no such row. */
  auditEventUserId(id: string): Promise<string | null | undefined>;
  /** The stored totp_last_step; throws when the user does not exist. */
  totpLastStep(userId: string): Promise<number | null>;
  /** DELETE FROM users (the schema's ON DELETE rules apply). */
  deleteUser(id: string): Promise<void>;
}

export interface RepositoriesUnderTest {
  /** Root repositories and transaction(): each suite uses the repository it is about. */
  uow: UnitOfWork;
  probe: StoreProbe;
  /** Releases what make() opened (a database). */
  close(): Promise<void>;
}

/** Opens a fresh, empty store; each suite calls it once (beforeAll) and closes it (afterAll). */
export type MakeRepositories = () => Promise<RepositoriesUnderTest>;

/**
 * Opens `make` before the tests of the enclosing describe and closes it after them; the
 * getter answers inside hooks and tests.
 */
export function useRepositories(make: MakeRepositories): () => RepositoriesUnderTest {
  let subject: RepositoriesUnderTest | undefined;
  beforeAll(async () => {
    subject = await make();
  });
  afterAll(async () => {
    await subject?.close();
  });
  return () => {
    if (!subject) throw new Error("the repositories are not open yet (use them inside hooks and tests)");
    return subject;
  };
}
