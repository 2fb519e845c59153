// The OtpCodeRepository contract (suites/otp-code-repository.ts) on every adapter: Prisma on
// PGlite, on PostgreSQL when one is reachable, and the in-memory unit of work.
import { repositoryAdapters } from "./adapters.js";
import { describeOtpCodeRepositoryContract } from "./suites/otp-code-repository.js";

for (const { name, make } of repositoryAdapters) describeOtpCodeRepositoryContract(name, make);
