import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * JSON logs. We never log request or response bodies; the redaction list is a second line of
 * defence for anything that slips into a log object by name (ASVS 7.1.1).
 */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.accessToken",
  "*.refreshToken",
  "*.otpCode",
  "*.secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "headers.cookie",
  "*.headers.cookie",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "auth-service" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
