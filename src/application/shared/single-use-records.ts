import { createHash } from "node:crypto";
import type { CoreDeps } from "./deps.js";

/**
 * The two pieces every single-use server-side record (an OAuth flow, a WebAuthn challenge) is
 * made of: an unguessable value handed to the browser, and the store key derived from it.
 */

/** `bytes` random bytes (256 bits by default), base64url: a state, nonce, verifier, challenge or flow id. */
export function randomToken(deps: Pick<CoreDeps, "random">, bytes = 32): string {
  return Buffer.from(deps.random.bytes(bytes)).toString("base64url");
}

/** The FlowStore key of a value the browser holds: its SHA-256, so a read of the store gives nothing it could send. */
export function recordKey(kind: string, value: string): string {
  return `${kind}:${createHash("sha256").update(value).digest("base64url")}`;
}
