/**
 * OpenTelemetry tracing, loaded only when OTEL_* asks for it (enabled.ts; main.ts imports this
 * file dynamically). Everything that imports grpc-js, pg, ioredis or node:http must be loaded
 * after `startTracing()` returns: the instrumentations patch those modules as they load.
 *
 * Spans: a SERVER span per RPC (instrumentation-grpc wraps every registered handler, so the
 * interceptors, and the calls they refuse, run inside it) with the caller's context from the
 * `traceparent` metadata; CLIENT spans for PostgreSQL (pg, under @prisma/adapter-pg), Redis
 * (ioredis), fetch/undici (the SMS webhook, OIDC) and outbound node:http; a SERVER span per
 * REST gateway request, whose in-process call (grpc/local-dispatch.ts: no grpc-js on that path)
 * gets the same gRPC SERVER span from `tracedLocalCall`, as the HTTP span's child.
 *
 * Never recorded (docs/tracing.md): gRPC metadata and HTTP headers (no capture configured),
 * SQL parameter values (enhancedDatabaseReporting off; Prisma's statements carry $n
 * placeholders), Redis arguments (only the command name and an argument count), URL query
 * values and userinfo (RedactingSpanProcessor).
 */
import { createRequire } from "node:module";
// SpanStatusCode as SpanStatus: an OpenTelemetry span status, not a gRPC code (which only
// adapters/grpc/status.ts picks; test/architecture.test.ts looks for `Code.`).
import { context, DiagLogLevel, diag, SpanKind, SpanStatusCode as SpanStatus, type Tracer, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { createLogger, setLogContextFields } from "../adapters/logging/logger.js";
import { type LocalCallWrapper, setLocalCallWrapper } from "./local-calls.js";
import { RedactingSpanProcessor, redisStatement } from "./redaction.js";

/**
 * What the instrumentations patch, loaded once through `require` right after they are
 * registered (see `startTracing`). All are CommonJS (pg's ESM entry re-exports its CommonJS
 * lib), so every later import, ESM or CJS, by bare name or by resolved path, receives the very
 * module objects require-in-the-middle has just patched.
 */
const INSTRUMENTED_MODULES = ["@grpc/grpc-js", "pg", "ioredis", "node:http", "node:https"];

/** Health checks and reflection would each make a trace of their own every few seconds. */
const UNTRACED_GRPC_METHODS = ["Check", "Watch", "ServerReflectionInfo"];
/** Probes and scrapes, on the REST gateway and the operators' listener. */
const UNTRACED_HTTP_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** How long shutdown waits for the last spans to be exported. */
const SHUTDOWN_FLUSH_MS = 2000;

export interface TracingOptions {
  /** Where spans go; by default a BatchSpanProcessor over the OTLP/HTTP (protobuf) exporter, configured by OTEL_EXPORTER_OTLP_*. */
  spanProcessor?: SpanProcessor;
}

export interface Tracing {
  /** Ends the export: pending spans are sent (within the exporter's timeout), then nothing more. */
  shutdown(): Promise<void>;
}

let started: Tracing | null = null;

/**
 * Sets up the tracer provider and the instrumentations, once per process. The resource is
 * `service.name=auth-service`, overridden by OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES; the
 * sampler comes from OTEL_TRACES_SAMPLER(_ARG) (parent-based always-on by default); W3C trace
 * context and baggage are the propagators.
 */
export function startTracing(options: TracingOptions = {}): Tracing {
  if (started) return started;
  // The SDK's own warnings and errors (a collector that refuses the export, a bad sampler
  // setting) as our JSON log lines; silent otherwise, and spans would just go missing.
  const log = createLogger("warn").child({ component: "opentelemetry" });
  const write =
    (level: "warn" | "error") =>
    (message: string, ...args: unknown[]) =>
      log[level]({ details: args.map(String) }, message);
  const quiet = () => {};
  diag.setLogger({ error: write("error"), warn: write("warn"), info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: "auth-service" }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    // The redaction runs first, in onEnding, before any exporting processor reads the span.
    spanProcessors: [new RedactingSpanProcessor(), options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations: instrumentations() });
  // An ESM `import` of a CommonJS package does not go through `require`, so
  // require-in-the-middle never sees `import { Server } from "@grpc/grpc-js"`. Requiring the
  // packages here, before anything imports them, patches them as they load; the ESM imports
  // that follow get the same, patched, module objects (Node caches a CommonJS module once).
  // No loader hook: import-in-the-middle matches only bare-name imports (a test runner that
  // imports by resolved path escapes it) and would sit in front of every import.
  const load = createRequire(import.meta.url);
  for (const name of INSTRUMENTED_MODULES) load(name);
  setLogContextFields(activeSpanFields);
  setLocalCallWrapper(tracedLocalCall(provider.getTracer("auth-service/local-dispatch")));
  started = {
    async shutdown() {
      unregister();
      setLocalCallWrapper(null);
      // Bounded: an unreachable collector must not hold up the process's exit.
      const giveUp = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref());
      await Promise.race([provider.shutdown().catch(() => {}), giveUp]);
    },
  };
  return started;
}

function instrumentations() {
  return [
    new GrpcInstrumentation({
      ignoreGrpcMethods: UNTRACED_GRPC_METHODS,
      // No metadata becomes an attribute: it carries authorization, x-api-key and the gateway's secret.
      metadataToSpanAttributes: { client: { requestMetadata: [], responseMetadata: [] }, server: { requestMetadata: [], responseMetadata: [] } },
    }),
    new HttpInstrumentation({
      // No headersToSpanAttributes: Authorization, Cookie and X-Api-Key stay out of spans.
      ignoreIncomingRequestHook: (request) => UNTRACED_HTTP_PATHS.has((request.url ?? "").split("?")[0] ?? ""),
      requireParentforOutgoingSpans: true,
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new PgInstrumentation({
      // Statement text only (parameterized by Prisma); never the bound values.
      enhancedDatabaseReporting: false,
      addSqlCommenterCommentToQueries: false,
      // Pool maintenance and the readiness probe, outside any call, make no traces of their own.
      requireParentSpan: true,
    }),
    new IORedisInstrumentation({ dbStatementSerializer: redisStatement, requireParentSpan: true }),
  ];
}

/**
 * The REST gateway's in-process calls (telemetry/local-calls.ts) get the SERVER span
 * instrumentation-grpc gives a call through grpc-js: its name, its attributes, its status and
 * error attributes, around the whole interceptor chain. Its parent is the active context (the
 * HTTP request's span), and it is active while the call runs, so pg and ioredis spans nest
 * under it and log lines carry its ids. No metadata is read into it.
 */
function tracedLocalCall(tracer: Tracer): LocalCallWrapper {
  return (path, invoke, done) => {
    const name = path.replace(/^\//, "");
    const slash = name.indexOf("/");
    const service = slash < 0 ? name : name.slice(0, slash);
    const method = slash < 0 ? "" : name.slice(slash + 1);
    if (UNTRACED_GRPC_METHODS.includes(method)) {
      invoke(done);
      return;
    }
    const parent = context.active();
    const span = tracer.startSpan(
      `grpc.${name}`,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "grpc", "rpc.method": method, "rpc.service": service } },
      parent,
    );
    let ended = false;
    context.with(trace.setSpan(parent, span), () => {
      try {
        invoke((error, value) => {
          if (!ended) {
            ended = true;
            if (error) {
              if (error.code) {
                span.setStatus({ code: SpanStatus.ERROR, message: error.message ?? "" });
                span.setAttribute("rpc.grpc.status_code", error.code);
              }
              span.setAttributes({ "grpc.error_name": error.name ?? "", "grpc.error_message": error.message ?? "" });
            } else {
              span.setAttribute("rpc.grpc.status_code", 0);
            }
            span.end();
          }
          done(error, value);
        });
      } catch (error) {
        if (!ended) {
          ended = true;
          span.end();
        }
        throw error;
      }
    });
  };
}

/** The pino mixin while tracing is on: the ids of the span the line is written in. */
function activeSpanFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return {};
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}
