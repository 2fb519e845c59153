import { createCipheriv, createDecipheriv, createHash, hkdfSync } from "node:crypto";
import type { Random } from "../ports/time.js";

/**
 * Refresh tokens are 256 random bits, base64url. Only their SHA-256 is stored: a slow hash adds
 * nothing for a secret of full entropy, and lookups stay a single index probe.
 */
export function newRefreshToken(random: Random): string {
  return Buffer.from(random.bytes(32)).toString("base64url");
}

export function hashRefreshToken(raw: string): string {
  return createHash("sha256").update(raw, "utf8").digest("hex");
}

/** A well-formed refresh token is 43 base64url characters; anything else is refused early. */
export function looksLikeRefreshToken(raw: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(raw);
}

function successorKey(parentRaw: string): Buffer {
  return Buffer.from(hkdfSync("sha256", parentRaw, "", "auth.v1 refresh-token successor", 32));
}

/**
 * Seals the successor under a key derived from the PARENT raw token, which the server never
 * stores. So a retried refresh inside the grace window can be given the same successor, yet a
 * database dump reveals no usable token.
 */
export function sealSuccessor(parentRaw: string, successorRaw: string, random: Random): Uint8Array {
  const iv = Buffer.from(random.bytes(12));
  const cipher = createCipheriv("aes-256-gcm", successorKey(parentRaw), iv);
  const body = Buffer.concat([cipher.update(successorRaw, "utf8"), cipher.final()]);
  return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]));
}

export function openSuccessor(parentRaw: string, sealed: Uint8Array): string | null {
  const buf = Buffer.from(sealed);
  if (buf.length < 12 + 16) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", successorKey(parentRaw), buf.subarray(0, 12));
    decipher.setAuthTag(buf.subarray(buf.length - 16));
    return Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
