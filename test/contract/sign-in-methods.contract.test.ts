// The OAuthIdentityRepository and PasskeyRepository contracts (suites/sign-in-methods.ts) on every
// adapter: Prisma on PGlite, on PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describeSignInMethodContracts } from "./suites/sign-in-methods.js";

for (const { name, make } of repositoryAdapters) describeSignInMethodContracts(name, make);
