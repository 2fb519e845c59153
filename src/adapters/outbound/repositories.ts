// The repositories of the Repositories port by name. Every adapter that builds or wraps a
// full set (the Prisma unit of work, the breaker in resilience.ts) walks this one list, so a
// repository added to the port cannot be forgotten in one of them: the check below fails to
// compile until it is listed here.
import type { Repositories } from "../../application/ports/unit-of-work.js";

export type RepositoryKey = keyof Repositories;

export const REPOSITORY_KEYS = [
  "users",
  "sessions",
  "refreshTokens",
  "audit",
  "otpCodes",
  "recoveryCodes",
  "apiKeys",
  "serviceAccounts",
  "plans",
  "catalogue",
  "oauthIdentities",
  "passkeys",
] as const satisfies readonly RepositoryKey[];

type Unlisted = Exclude<RepositoryKey, (typeof REPOSITORY_KEYS)[number]>;
/** Compiles only while every key of Repositories is in REPOSITORY_KEYS. */
const everyKeyListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKeyListed;

/** A full set of repositories, `make` called once per key. */
export function buildRepositories(make: <K extends RepositoryKey>(key: K) => Repositories[K]): Repositories {
  const set: Partial<Record<RepositoryKey, unknown>> = {};
  for (const key of REPOSITORY_KEYS) set[key] = make(key);
  // Complete by construction: REPOSITORY_KEYS lists every key (checked above).
  return set as Repositories;
}
