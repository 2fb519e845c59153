import { dictionary } from "@zxcvbn-ts/language-common";
import type { CommonPasswordCheck } from "../../domain/password-policy.js";

/**
 * The zxcvbn-ts list of ~49,000 passwords most seen in breaches (ASVS asks for at least the
 * top 3,000). Loaded once into a Set: membership is O(1) and costs ~3 MB.
 */
export function commonPasswordCheck(): CommonPasswordCheck {
  const list = (dictionary as Record<string, string[]>)["passwords-common"] ?? [];
  const set = new Set(list.map((p) => p.toLowerCase()));
  if (set.size < 3000) throw new Error("common-password list failed to load");
  return (lowerCased) => set.has(lowerCased);
}
