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

/**
 * Fields each line takes from where it is written: the active trace span's `trace_id` and
 * `span_id` once src/telemetry turned tracing on. Null otherwise, and then loggers get no
 * mixin at all: with tracing off a log line costs what it did before.
 */
let contextFields: (() => Record<string, string>) | null = null;

/** Loggers created after this call add `fields()` to every line (pino's mixin). */
export function setLogContextFields(fields: () => Record<string, string>): void {
  contextFields = fields;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    ...(contextFields ? { mixin: contextFields } : {}),
    base: { service: "auth-service" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
