import { generateSecret, generateURI, verifySync } from "otplib";
import type { Totp } from "../../application/ports/credentials.js";

/** RFC 6238 with authenticator-app defaults: SHA-1, 6 digits, 30 s, ±1 step of clock drift. */
export class OtplibTotp implements Totp {
  constructor(private readonly issuer: string) {}

  generateSecret(): string {
    return generateSecret({ length: 20 }); // 160 bits, the RFC 4226 recommendation
  }

  uri(secret: string, accountName: string): string {
    return generateURI({ issuer: this.issuer, label: accountName, secret });
  }

  match(secret: string, code: string, now: Date): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const epoch = Math.floor(now.getTime() / 1000);
    const result = verifySync({ secret, token: code, epoch, epochTolerance: 30 });
    if (!result.valid) return null;
    // The matched step: the current one shifted by the drift otplib reports.
    const step = "timeStep" in result && typeof result.timeStep === "number" ? result.timeStep : Math.floor(epoch / 30) + (result.delta ?? 0);
    return step;
  }
}
