// The ApiKeyRepository and ServiceAccountRepository contracts (suites/api-keys.ts) on every
// adapter: Prisma on PGlite, on PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describeApiKeyRepositoryContract } from "./suites/api-keys.js";

for (const { name, make } of repositoryAdapters) describeApiKeyRepositoryContract(name, make);
