// The plans and catalogue contract (suites/plans.ts) on every adapter: Prisma on PGlite, on
// PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describePlansContract } from "./suites/plans.js";

for (const { name, make } of repositoryAdapters) describePlansContract(name, make);
