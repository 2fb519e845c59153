/**
 * The last line of defence before a span leaves the process: whatever an instrumentation put
 * into a span, no credential goes out with it. The instrumentations are configured not to
 * record headers, metadata, SQL parameters or Redis arguments (tracing.ts); this processor
 * also strips query values and userinfo from URLs (an OIDC callback carries `code` and
 * `state` in its query, a webhook URL may carry a password) and blanks any attribute whose
 * name says it holds a credential, in case a future option starts recording one.
 */
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** URL-valued attributes of the old and the stable HTTP semantic conventions. */
const URL_ATTRIBUTES = ["url.full", "http.url", "http.target", "url.query"];

/** Attribute names that hold (or would hold) a credential: headers, metadata, our own names. */
const CREDENTIAL_NAME = /authorization|cookie|password|passwd|secret|token|api[-_.]?key/i;

const REDACTED = "REDACTED";

/**
 * `url` with every query value replaced and any userinfo and fragment removed; the path and
 * the parameter names stay (they say which route was called). Relative targets (`/path?x=1`) and bare query
 * strings (`x=1&y=2`) are handled too; what does not parse is replaced as a whole.
 */
export function redactUrlAttribute(value: string, attribute: string): string {
  if (attribute === "url.query") return redactQuery(value.startsWith("?") ? value.slice(1) : value);
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  try {
    const url = new URL(value, "http://relative.invalid");
    url.username = "";
    url.password = "";
    const query = url.search === "" ? "" : `?${redactQuery(url.search.slice(1))}`;
    return absolute ? `${url.protocol}//${url.host}${url.pathname}${query}` : `${url.pathname}${query}`;
  } catch {
    return REDACTED;
  }
}

function redactQuery(query: string): string {
  if (query === "") return "";
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      // A bare item (`?sk_live_...`) may be the secret itself: only a name before `=` stays.
      return eq < 0 ? REDACTED : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join("&");
}

/**
 * A Redis command without its arguments: keys name users, sessions and API keys, values hold
 * session state and counters. `EVALSHA [4 args]` says enough to read a trace.
 */
export function redisStatement(command: string, args: readonly unknown[]): string {
  return args.length === 0 ? command : `${command} [${args.length} args]`;
}

export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  /** Runs while the span can still be changed, before any exporter's processor sees it. */
  onEnding(span: Span): void {
    const attributes = span.attributes;
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      if (CREDENTIAL_NAME.test(key)) span.setAttribute(key, REDACTED);
      else if (typeof value === "string" && URL_ATTRIBUTES.includes(key)) span.setAttribute(key, redactUrlAttribute(value, key));
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
