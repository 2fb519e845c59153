/** Persistence of one-time codes and recovery codes. Ports owned by the application; adapters implement them. */
import type { Channel, OtpPurpose } from "./delivery.js";

export interface NewOtpCode {
  id: string;
  /** Null for a destination no account uses: the row only records the send. */
  userId: string | null;
  purpose: OtpPurpose;
  channel: Channel;
  destination: string;
  codeHash: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface OtpCodeRecord extends NewOtpCode {
  attempts: number;
  consumedAt: Date | null;
}

export interface OtpCodeRepository {
  insert(code: NewOtpCode): Promise<void>;
  /** Undoes a send whose delivery failed, so the resend limit is not spent on it. */
  delete(id: string): Promise<void>;
  /** The newest code sent to the destination, any purpose (for the resend limit). */
  latestSentTo(destination: string): Promise<OtpCodeRecord | null>;
  /** The newest code for destination and purpose: older ones never verify. */
  latestFor(destination: string, purpose: OtpPurpose): Promise<OtpCodeRecord | null>;
  /** Counts a wrong try; the try that reaches `maxAttempts` also burns the code. */
  recordFailedAttempt(id: string, maxAttempts: number, now: Date): Promise<void>;
  /** Marks the code used if it was not yet (conditional update): true for exactly one caller. */
  consume(id: string, now: Date): Promise<boolean>;
}

export interface RecoveryCodeRepository {
  /** Replaces every recovery code of the user. */
  replaceAll(userId: string, codes: { id: string; codeHash: string }[], now: Date): Promise<void>;
  /** Marks the matching unused code used: true for exactly one caller. */
  use(userId: string, codeHash: string, now: Date): Promise<boolean>;
  deleteAll(userId: string): Promise<void>;
}
