// Helpers shared by the config.*.test.ts files.
import { expect } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

export const SECRET_32 = `${"k".repeat(16)}S3cr3t-Valu3-xyz`; // 32 characters

/** Runs loadConfig expecting a ConfigError and returns it. */
export function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("loadConfig did not throw");
}

/** The problem lines that name `variable` (as `VARIABLE: ...`). */
export function linesFor(error: ConfigError, variable: string): string[] {
  return error.problems.filter((p) => p.startsWith(`${variable}:`));
}
