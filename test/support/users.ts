import { v7 as uuidv7 } from "uuid";
import type { NewUser } from "../../src/application/ports/users.js";

/** A minimal, unique user row for repository contract tests. */
export function newUserRecord(createdAt: Date, overrides: Partial<NewUser> = {}): NewUser {
  const id = uuidv7();
  return {
    id,
    username: `u-${id}`,
    usernameNormalized: `u-${id}`,
    email: `${id}@example.com`,
    phone: null,
    fullName: "",
    passwordHash: null,
    roles: ["user"],
    plan: "free",
    createdAt,
    ...overrides,
  };
}
