// The RecoveryCodeRepository contract (suites/recovery-code-repository.ts) on every adapter:
// Prisma on PGlite, on PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describeRecoveryCodeRepositoryContract } from "./suites/recovery-code-repository.js";

for (const { name, make } of repositoryAdapters) describeRecoveryCodeRepositoryContract(name, make);
