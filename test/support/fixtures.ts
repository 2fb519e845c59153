import { randomBytes } from "node:crypto";
import type { RegisterResponse } from "../../src/gen/pb/auth/v1/auth_service.js";
import { type Clients, call } from "./grpc.js";

export const PASSWORD = "correct horse battery staple";

export function uniqueName(prefix = "user"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export async function registerUser(
  clients: Clients,
  overrides: Partial<{ username: string; email: string; phone: string; password: string; fullName: string }> = {},
): Promise<RegisterResponse & { username: string; email: string; password: string }> {
  const username = overrides.username ?? uniqueName();
  const email = overrides.email ?? `${username.toLowerCase()}@example.com`;
  const password = overrides.password ?? PASSWORD;
  const response = await call(clients.auth, clients.auth.register, {
    username,
    email,
    phone: overrides.phone ?? "",
    password,
    fullName: overrides.fullName ?? "Test User",
    deviceName: "test",
  });
  return { ...response, username, email, password };
}
