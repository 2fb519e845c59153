// The SessionRepository and RefreshTokenRepository contracts (suites/session-repository.ts) on
// every adapter: Prisma on PGlite, on PostgreSQL when one is reachable, and the in-memory unit
// of work.
import { repositoryAdapters } from "./adapters.js";
import { describeSessionRepositoryContract } from "./suites/session-repository.js";

for (const { name, make } of repositoryAdapters) describeSessionRepositoryContract(name, make);
