/**
 * Server-side WebAuthn challenges (deps.passkeyChallenges): single use, 5 minutes. A
 * registration challenge is kept under the challenge itself with the account that asked for it;
 * a login challenge under a flow id handed to the browser, with the account named at the start
 * (if any). Keys are hashes, so a read of the store gives nothing a browser could send.
 */
import { DomainError, type Violations } from "../../domain/errors.js";
import type { JsonObject } from "../ports/webauthn.js";
import type { CoreDeps } from "../shared/deps.js";
import { recordKey as hashed } from "../shared/single-use-records.js";

/** api.md: challenges are single use and live 5 minutes. */
export const CHALLENGE_TTL_SECONDS = 300;

/** A Struct larger than this is no WebAuthn response (a RegistrationResponseJSON is a few KiB). */
const MAX_RESPONSE_CHARS = 64 * 1024;

export const challengeInvalid = () => new DomainError("PASSKEY_CHALLENGE_INVALID", "The passkey challenge is unknown, expired or already used: start again");

/** One answer for every response that does not verify, whether or not its credential exists. */
export const passkeyInvalid = () => new DomainError("PASSKEY_INVALID", "The passkey could not be verified");

export async function putRegistrationChallenge(deps: Pick<CoreDeps, "passkeyChallenges">, challenge: string, userId: string): Promise<void> {
  await deps.passkeyChallenges.put(hashed("reg", challenge), JSON.stringify({ userId }), CHALLENGE_TTL_SECONDS);
}

/**
 * Takes the registration challenge a response carries (gone whatever happens next): unknown,
 * expired, used, or asked for by another account → PASSKEY_CHALLENGE_INVALID.
 */
export async function takeRegistrationChallenge(deps: Pick<CoreDeps, "passkeyChallenges">, response: JsonObject, userId: string): Promise<string> {
  const challenge = claimedChallenge(response);
  if (challenge === null) throw challengeInvalid();
  const stored = await deps.passkeyChallenges.take(hashed("reg", challenge));
  if (stored === null || (JSON.parse(stored) as { userId: string }).userId !== userId) throw challengeInvalid();
  return challenge;
}

export interface LoginFlow {
  challenge: string;
  /** The account named at the start; null for discoverable credentials. */
  userId: string | null;
}

export async function putLoginFlow(deps: Pick<CoreDeps, "passkeyChallenges">, flowId: string, flow: LoginFlow): Promise<void> {
  await deps.passkeyChallenges.put(hashed("login", flowId), JSON.stringify(flow), CHALLENGE_TTL_SECONDS);
}

/** Takes the login flow (single use); unknown, expired or used → PASSKEY_CHALLENGE_INVALID. */
export async function takeLoginFlow(deps: Pick<CoreDeps, "passkeyChallenges">, flowId: string): Promise<LoginFlow> {
  const stored = await deps.passkeyChallenges.take(hashed("login", flowId));
  if (stored === null) throw challengeInvalid();
  return JSON.parse(stored) as LoginFlow;
}

/** The response Struct: required, an object, of a sane size. */
export function checkResponse(response: JsonObject | undefined, violations: Violations): response is JsonObject {
  if (response === undefined || response === null || typeof response !== "object" || Object.keys(response).length === 0) {
    violations.add("response", "is required");
    return false;
  }
  if (JSON.stringify(response).length > MAX_RESPONSE_CHARS) {
    violations.add("response", "is too large");
    return false;
  }
  return true;
}

/** The credential id a response claims (`id`), or null when it has none usable. */
export function claimedCredentialId(response: JsonObject): string | null {
  const id = response.id;
  return typeof id === "string" && id !== "" && id.length <= 1366 ? id : null;
}

/** The challenge a response's clientDataJSON carries, or null when it cannot be read. */
export function claimedChallenge(response: JsonObject): string | null {
  const inner = response.response;
  if (typeof inner !== "object" || inner === null) return null;
  const clientData = (inner as JsonObject).clientDataJSON;
  if (typeof clientData !== "string" || clientData.length > 16_384) return null;
  try {
    const parsed = JSON.parse(Buffer.from(clientData, "base64url").toString("utf8")) as unknown;
    const challenge = typeof parsed === "object" && parsed !== null ? (parsed as JsonObject).challenge : undefined;
    return typeof challenge === "string" && challenge !== "" && challenge.length <= 1024 ? challenge : null;
  } catch {
    return null;
  }
}
