// The UnitOfWork over Prisma: the repositories over the root client, plus `transaction`, which
// gives the callback a second set of repositories bound to one interactive transaction.
//
// Inside `transaction(fn)` every query must go through the transaction's client. PGlite has a
// single connection: a query on the root client would queue behind the open transaction and
// wait until it times out. Handing `fn` only repositories built over `tx` makes that mistake
// impossible for code that uses the ports.
import type { Repositories, UnitOfWork } from "../../application/ports.js";
import type { Prisma, PrismaClient } from "../../gen/prisma/client.js";
import { PrismaAuditLog } from "./audit-log.js";
import { PrismaOtpCodeRepository } from "./otp-code-repository.js";
import { PrismaRecoveryCodeRepository } from "./recovery-code-repository.js";
import { translatePrismaError } from "./errors.js";
import { PrismaRefreshTokenRepository } from "./refresh-token-repository.js";
import { PrismaSessionRepository } from "./session-repository.js";
import { PrismaUserRepository } from "./user-repository.js";

export interface PrismaUnitOfWorkOptions {
  /** Longest a transaction may stay open before Prisma rolls it back. */
  transactionTimeoutMs: number;
}

/** The repositories of the Repositories port over one client (root or transaction). */
export function createPrismaRepositories(client: Prisma.TransactionClient): Repositories {
  return {
    users: new PrismaUserRepository(client),
    sessions: new PrismaSessionRepository(client),
    refreshTokens: new PrismaRefreshTokenRepository(client),
    audit: new PrismaAuditLog(client),
    otpCodes: new PrismaOtpCodeRepository(client),
    recoveryCodes: new PrismaRecoveryCodeRepository(client),
  };
}

export class PrismaUnitOfWork implements UnitOfWork {
  readonly users: Repositories["users"];
  readonly sessions: Repositories["sessions"];
  readonly refreshTokens: Repositories["refreshTokens"];
  readonly audit: Repositories["audit"];
  readonly otpCodes: Repositories["otpCodes"];
  readonly recoveryCodes: Repositories["recoveryCodes"];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaUnitOfWorkOptions,
  ) {
    const root = createPrismaRepositories(prisma);
    this.users = root.users;
    this.sessions = root.sessions;
    this.refreshTokens = root.refreshTokens;
    this.audit = root.audit;
    this.otpCodes = root.otpCodes;
    this.recoveryCodes = root.recoveryCodes;
  }

  /** Availability is the guard's business (adapters/resilience.ts); the bare client cannot tell. */
  ensureAvailable(): void {}

  async transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    const timeout = this.options.transactionTimeoutMs;
    // What fn throws is already in the service's vocabulary (the repositories translate) or
    // is the use case's own error: it passes through untouched. Only failures to begin or
    // commit the transaction itself are translated here.
    let thrownByFn: { error: unknown } | undefined;
    try {
      // No isolationLevel: PGlite's adapter rejects it, and READ COMMITTED (the default) is
      // what the conditional updates of the repositories are written for. maxWait equals the
      // timeout because on PGlite transactions queue one behind another: a queued one must be
      // allowed to wait as long as the one ahead of it may run.
      return await this.prisma.$transaction(
        async (tx) => {
          try {
            return await fn(createPrismaRepositories(tx));
          } catch (error) {
            thrownByFn = { error };
            throw error;
          }
        },
        { timeout, maxWait: timeout },
      );
    } catch (err) {
      if (thrownByFn && thrownByFn.error === err) throw err;
      translatePrismaError(err);
    }
  }
}
