// The AuditLog contract (suites/audit-log.ts) on every adapter: Prisma on PGlite, on
// PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describeAuditLogContract } from "./suites/audit-log.js";

for (const { name, make } of repositoryAdapters) describeAuditLogContract(name, make);
