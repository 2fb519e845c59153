// The UserRepository contract (suites/user-repository.ts) on every adapter: Prisma on PGlite,
// on PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describeUserRepositoryContract } from "./suites/user-repository.js";

for (const { name, make } of repositoryAdapters) describeUserRepositoryContract(name, make);
