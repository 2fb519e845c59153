/**
 * Whether OpenTelemetry tracing is asked for, from the standard OTEL_* variables alone. This
 * file imports nothing of OpenTelemetry on purpose: main.ts reads it before deciding whether
 * to load any of it, so a service without OTEL_* configured loads none (docs/tracing.md).
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "otlp")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
  if (exporters.length > 0 && exporters.every((e) => e === "none")) return false;
  return [env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env.OTEL_EXPORTER_OTLP_ENDPOINT].some((v) => v !== undefined && v.trim() !== "");
}
