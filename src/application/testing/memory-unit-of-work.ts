// An in-memory UnitOfWork with the semantics of the Prisma one (src/adapters/prisma), for
// use-case unit tests: no server, no database, deterministic. The repository contract suites
// (test/contract/suites) run it next to PGlite and PostgreSQL, so it cannot drift from them.
//
// Concurrency is modelled on PGlite's single connection: statements and transactions run one
// at a time, in the order they were asked for. `transaction(fn)` runs fn against a copy of the
// tables and commits the copy only if fn resolves; whatever fn throws leaves nothing written
// and is rethrown unchanged. A statement on the root repositories from inside fn would wait
// for the transaction it runs in (on PGlite it times out); here it fails at once instead.
//
// Test hooks beyond the port: `rows()` reads the tables (copies), `deleteUserRow(id)` is a hard
// DELETE with the schema's cascades, and `setAvailable(false)` makes every call fail with
// DependencyUnavailableError("database"), as the resilience guard does while the database is down.
import { AsyncLocalStorage } from "node:async_hooks";
import { DependencyUnavailableError } from "../../domain/errors.js";
import type { RefreshTokenRecord, Session } from "../../domain/session.js";
import type { User } from "../../domain/user.js";
import type { ApiKeyRecord, ServiceAccount } from "../ports/api-keys.js";
import type { AuditRecord } from "../ports/audit.js";
import type { OtpCodeRecord } from "../ports/codes.js";
import type { OAuthIdentity, StoredPasskey } from "../ports/sign-in-methods.js";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work.js";
import { memoryRepositories } from "./memory-repositories.js";
import { copyTables, deleteUserRow, detached, emptyTables, type RecoveryCodeRow, type Run, type Tables } from "./memory-tables.js";

export type { RecoveryCodeRow } from "./memory-tables.js";

/** Every table as arrays of copied rows. */
export interface MemoryRows {
  users: User[];
  sessions: Session[];
  refreshTokens: RefreshTokenRecord[];
  auditEvents: AuditRecord[];
  otpCodes: OtpCodeRecord[];
  recoveryCodes: RecoveryCodeRow[];
  apiKeys: ApiKeyRecord[];
  serviceAccounts: ServiceAccount[];
  oauthIdentities: OAuthIdentity[];
  passkeys: StoredPasskey[];
}

export interface MemoryUnitOfWork extends UnitOfWork {
  /** A copy of every committed row. */
  rows(): Promise<MemoryRows>;
  /** DELETE FROM users WHERE id: sessions, tokens, codes cascade, audit events keep user_id null. */
  deleteUserRow(id: string): Promise<boolean>;
  /** While false, ensureAvailable and every repository call throw DependencyUnavailableError. */
  setAvailable(available: boolean): void;
}

class InMemoryUnitOfWork implements MemoryUnitOfWork {
  private state: Tables = emptyTables();
  /** Settles when everything asked for so far has finished: the FIFO of the one "connection". */
  private tail: Promise<unknown> = Promise.resolve();
  private available = true;
  /** Set while a transaction's fn runs, in its async context. */
  private readonly inTransaction = new AsyncLocalStorage<true>();

  readonly users: Repositories["users"];
  readonly sessions: Repositories["sessions"];
  readonly refreshTokens: Repositories["refreshTokens"];
  readonly audit: Repositories["audit"];
  readonly otpCodes: Repositories["otpCodes"];
  readonly recoveryCodes: Repositories["recoveryCodes"];
  readonly apiKeys: Repositories["apiKeys"];
  readonly serviceAccounts: Repositories["serviceAccounts"];
  readonly plans: Repositories["plans"];
  readonly catalogue: Repositories["catalogue"];
  readonly oauthIdentities: Repositories["oauthIdentities"];
  readonly passkeys: Repositories["passkeys"];

  constructor() {
    const root = memoryRepositories(this.rootRun);
    this.users = root.users;
    this.sessions = root.sessions;
    this.refreshTokens = root.refreshTokens;
    this.audit = root.audit;
    this.otpCodes = root.otpCodes;
    this.recoveryCodes = root.recoveryCodes;
    this.apiKeys = root.apiKeys;
    this.serviceAccounts = root.serviceAccounts;
    this.plans = root.plans;
    this.catalogue = root.catalogue;
    this.oauthIdentities = root.oauthIdentities;
    this.passkeys = root.passkeys;
  }

  ensureAvailable(): void {
    if (!this.available) throw new DependencyUnavailableError("database");
  }

  setAvailable(available: boolean): void {
    this.available = available;
  }

  async transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    this.guard();
    return this.exclusive(async () => {
      const copy = copyTables(this.state);
      let open = true;
      const txRun: Run = async (statement) => {
        if (!open) throw new Error("Transaction already closed: a repository of it was used after transaction() settled");
        this.ensureAvailable();
        return statement(copy);
      };
      try {
        const result = await this.inTransaction.run(true, () => fn(memoryRepositories(txRun)));
        this.ensureAvailable();
        this.state = copy;
        return result;
      } finally {
        open = false;
      }
    });
  }

  async rows(): Promise<MemoryRows> {
    return this.rootRun((t) => ({
      users: [...t.users.values()].map(detached),
      sessions: [...t.sessions.values()].map(detached),
      refreshTokens: [...t.refreshTokens.values()].map(detached),
      auditEvents: [...t.auditEvents.values()].map(detached),
      otpCodes: [...t.otpCodes.values()].map(detached),
      recoveryCodes: [...t.recoveryCodes.values()].map(detached),
      apiKeys: [...t.apiKeys.values()].map(detached),
      serviceAccounts: [...t.serviceAccounts.values()].map(detached),
      oauthIdentities: [...t.oauthIdentities.values()].map(detached),
      passkeys: [...t.passkeys.values()].map(detached),
    }));
  }

  deleteUserRow(id: string): Promise<boolean> {
    return this.rootRun((t) => {
      // Atomic like the one DELETE: work on a copy, keep it only when the cascade completed.
      const copy = copyTables(t);
      const deleted = deleteUserRow(copy, id);
      this.state = copy;
      return deleted;
    });
  }

  /** One statement on the committed tables, in turn with every other statement and transaction. */
  private readonly rootRun: Run = async (statement) => {
    this.guard();
    return this.exclusive(async () => {
      this.ensureAvailable();
      return statement(this.state);
    });
  };

  private guard(): void {
    if (this.inTransaction.getStore()) {
      throw new Error("The root repositories (or a nested transaction) were used inside transaction(fn): use the tx repositories given to fn");
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** A fresh, empty in-memory unit of work. */
export function createMemoryUnitOfWork(): MemoryUnitOfWork {
  return new InMemoryUnitOfWork();
}
