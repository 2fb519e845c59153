// The UnitOfWork over Prisma: the repositories over the root client, plus `transaction`, which
// gives the callback a second set of repositories bound to one interactive transaction.
//
// Inside `transaction(fn)` every query must go through the transaction's client. PGlite has a
// single connection: a query on the root client would queue behind the open transaction and
// wait until it times out. Handing `fn` only repositories built over `tx` makes that mistake
// impossible for code that uses the ports.
import type { Repositories, UnitOfWork } from "../../application/ports/unit-of-work.js";
import type { Prisma, PrismaClient } from "../../gen/prisma/client.js";
import { buildRepositories, type RepositoryKey } from "../outbound/repositories.js";
import { PrismaApiKeyRepository } from "./api-key-repository.js";
import { PrismaAuditLog } from "./audit-log.js";
import { translatePrismaError } from "./errors.js";
import { PrismaOAuthIdentityRepository } from "./oauth-identity-repository.js";
import { PrismaOtpCodeRepository } from "./otp-code-repository.js";
import { PrismaPasskeyRepository } from "./passkey-repository.js";
import { PrismaCatalogueRepository, PrismaPlanRepository } from "./plan-repository.js";
import { PrismaRecoveryCodeRepository } from "./recovery-code-repository.js";
import { PrismaRefreshTokenRepository } from "./refresh-token-repository.js";
import { PrismaServiceAccountRepository } from "./service-account-repository.js";
import { PrismaSessionRepository, type SqlPool } from "./session-repository.js";
import { PrismaUserRepository } from "./user-repository.js";

export interface PrismaUnitOfWorkOptions {
  /** Longest a transaction may stay open before Prisma rolls it back. */
  transactionTimeoutMs: number;
  /** The PostgreSQL pool under `prisma` (absent on the embedded database): the session-status read and RefreshToken's two statements go to it directly. */
  pool?: SqlPool | null;
}

/** Which class serves each repository; typed so that a missing or mismatched one fails to compile. */
const REPOSITORY_CLASSES: { [K in RepositoryKey]: new (client: Prisma.TransactionClient) => Repositories[K] } = {
  users: PrismaUserRepository,
  sessions: PrismaSessionRepository,
  refreshTokens: PrismaRefreshTokenRepository,
  audit: PrismaAuditLog,
  otpCodes: PrismaOtpCodeRepository,
  recoveryCodes: PrismaRecoveryCodeRepository,
  apiKeys: PrismaApiKeyRepository,
  serviceAccounts: PrismaServiceAccountRepository,
  plans: PrismaPlanRepository,
  catalogue: PrismaCatalogueRepository,
  oauthIdentities: PrismaOAuthIdentityRepository,
  passkeys: PrismaPasskeyRepository,
};

/** The repositories of the Repositories port over one client (root or transaction). */
export function createPrismaRepositories(client: Prisma.TransactionClient): Repositories {
  return buildRepositories((key) => new REPOSITORY_CLASSES[key](client));
}

/**
 * Gives PrismaUnitOfWork the repositories over the root client as its own fields (UnitOfWork
 * extends Repositories) without naming them once more: it copies whatever
 * createPrismaRepositories built. The cast only restates what Object.assign did.
 */
const RootRepositories = class {
  constructor(client: Prisma.TransactionClient) {
    Object.assign(this, createPrismaRepositories(client));
  }
} as new (
  client: Prisma.TransactionClient,
) => Readonly<Repositories>;

export class PrismaUnitOfWork extends RootRepositories implements UnitOfWork {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaUnitOfWorkOptions,
  ) {
    super(prisma);
    if (options.pool) {
      Object.assign(this, {
        sessions: new PrismaSessionRepository(prisma, options.pool),
        refreshTokens: new PrismaRefreshTokenRepository(prisma, options.pool),
      });
    }
  }

  /** Availability is the guard's business (adapters/outbound/resilience.ts); the bare client cannot tell. */
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
