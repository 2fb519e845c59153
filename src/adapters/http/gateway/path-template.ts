/**
 * google.api.http path templates (google/api/http.proto):
 *
 *   Template = "/" Segments [ Verb ] ;  Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;  Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   Verb     = ":" LITERAL ;
 *
 * `{session_id}` is `{session_id=*}`: one segment. A variable matching several segments
 * (`{name=projects/*\/keys/*}`, `**`) keeps its slashes; percent-escapes are decoded except
 * `%2F` inside a multi-segment value, as Envoy's transcoder does.
 */

export type SegmentPattern = { kind: "literal"; value: string } | { kind: "any" } | { kind: "rest" };

export interface TemplateVariable {
  /** Dotted proto field path, e.g. `session_id` or `user.id`. */
  fieldPath: string;
  /** Index of the first and one past the last segment the variable covers. */
  start: number;
  end: number;
  /** The segments it matches as written (`*`, `projects/*`), for docs. */
  pattern: string;
}

export interface PathTemplate {
  source: string;
  segments: SegmentPattern[];
  variables: TemplateVariable[];
  verb: string | null;
}

export class TemplateSyntaxError extends Error {
  constructor(template: string, why: string) {
    super(`invalid google.api.http path template ${JSON.stringify(template)}: ${why}`);
    this.name = "TemplateSyntaxError";
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const LITERAL = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;

export function parseTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) throw new TemplateSyntaxError(source, "must start with '/'");
  // The verb is a ':' after the last '/' that is not inside a variable.
  let body = source.slice(1);
  let verb: string | null = null;
  const lastSlash = body.lastIndexOf("/");
  const lastBrace = body.lastIndexOf("}");
  const colon = body.indexOf(":", Math.max(lastSlash, lastBrace) + 1);
  if (colon >= 0) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (!LITERAL.test(verb)) throw new TemplateSyntaxError(source, "bad verb");
  }
  const segments: SegmentPattern[] = [];
  const variables: TemplateVariable[] = [];
  for (const part of splitOutsideBraces(body, source)) {
    if (part.startsWith("{")) {
      if (!part.endsWith("}")) throw new TemplateSyntaxError(source, "unclosed variable");
      const inner = part.slice(1, -1);
      const eq = inner.indexOf("=");
      const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
      const pattern = eq < 0 ? "*" : inner.slice(eq + 1);
      if (!IDENT.test(fieldPath)) throw new TemplateSyntaxError(source, `bad field path ${JSON.stringify(fieldPath)}`);
      if (variables.some((v) => v.fieldPath === fieldPath)) throw new TemplateSyntaxError(source, `${fieldPath} bound twice`);
      const start = segments.length;
      for (const p of pattern.split("/")) segments.push(segmentOf(p, source, false));
      variables.push({ fieldPath, start, end: segments.length, pattern });
    } else {
      segments.push(segmentOf(part, source, true));
    }
  }
  if (segments.filter((s) => s.kind === "rest").length > 1) throw new TemplateSyntaxError(source, "more than one '**'");
  return { source, segments, variables, verb };
}

function splitOutsideBraces(body: string, source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (depth < 0 || depth > 1) throw new TemplateSyntaxError(source, "unbalanced braces");
    if (ch === "/" && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (depth !== 0) throw new TemplateSyntaxError(source, "unbalanced braces");
  parts.push(current);
  return parts;
}

function segmentOf(text: string, source: string, topLevel: boolean): SegmentPattern {
  if (text === "*") return { kind: "any" };
  if (text === "**") return { kind: "rest" };
  if (text === "" || !LITERAL.test(text)) {
    throw new TemplateSyntaxError(source, topLevel ? `bad segment ${JSON.stringify(text)}` : "bad variable pattern");
  }
  return { kind: "literal", value: text };
}

/**
 * Matches a request path (still percent-encoded, without the query) against a template.
 * Returns the variables by field path, or null. `specificity` ranks overlapping matches:
 * a literal beats `*`, which beats `**`, segment by segment.
 */
export function matchTemplate(template: PathTemplate, rawPath: string): { values: Map<string, string>; specificity: number[] } | null {
  if (!rawPath.startsWith("/")) return null;
  let path = rawPath.slice(1);
  if (template.verb !== null) {
    const suffix = `:${template.verb}`;
    if (!path.endsWith(suffix)) return null;
    path = path.slice(0, -suffix.length);
  }
  const parts = path.split("/");
  const spans = matchSegments(template.segments, parts);
  if (!spans) return null;
  const values = new Map<string, string>();
  for (const v of template.variables) {
    const first = spans[v.start];
    const last = spans[v.end - 1];
    if (first === undefined || last === undefined) return null;
    const raw = parts.slice(first[0], last[1]);
    const multi = v.end - v.start > 1 || raw.length !== 1;
    const decoded = raw.map((p) => decodeSegment(p, multi));
    if (decoded.some((d) => d === null)) return null;
    values.set(v.fieldPath, decoded.join("/"));
  }
  const specificity = template.segments.map((s) => (s.kind === "literal" ? 2 : s.kind === "any" ? 1 : 0));
  return { values, specificity };
}

/** For each template segment, the [from, to) range of path parts it consumed. */
function matchSegments(segments: SegmentPattern[], parts: string[]): [number, number][] | null {
  const restAt = segments.findIndex((s) => s.kind === "rest");
  const spans: [number, number][] = [];
  if (restAt < 0) {
    if (parts.length !== segments.length) return null;
    for (let i = 0; i < segments.length; i++) {
      if (!segmentMatches(segments[i] as SegmentPattern, parts[i] as string)) return null;
      spans.push([i, i + 1]);
    }
    return spans;
  }
  const after = segments.length - restAt - 1;
  if (parts.length < segments.length - 1) return null;
  for (let i = 0; i < restAt; i++) {
    if (!segmentMatches(segments[i] as SegmentPattern, parts[i] as string)) return null;
    spans.push([i, i + 1]);
  }
  const restEnd = parts.length - after;
  spans.push([restAt, restEnd]);
  for (let i = 0; i < after; i++) {
    const part = parts[restEnd + i] as string;
    if (!segmentMatches(segments[restAt + 1 + i] as SegmentPattern, part)) return null;
    spans.push([restEnd + i, restEnd + i + 1]);
  }
  return spans;
}

function segmentMatches(segment: SegmentPattern, part: string): boolean {
  if (part === "") return false;
  if (segment.kind === "literal") return part === segment.value;
  return true;
}

function decodeSegment(part: string, keepSlashEscapes: boolean): string | null {
  try {
    if (!keepSlashEscapes) return decodeURIComponent(part);
    return part
      .split(/%2F/i)
      .map((p) => decodeURIComponent(p))
      .join("%2F");
  } catch {
    return null;
  }
}

/** `/v1/sessions/{session_id}` for OpenAPI: each variable as one `{fieldPath}`; the verb kept. */
export function openApiPath(template: PathTemplate): string {
  const out: string[] = [];
  for (let i = 0; i < template.segments.length; ) {
    const variable = template.variables.find((v) => v.start === i);
    if (variable) {
      out.push(`{${variable.fieldPath}}`);
      i = variable.end;
      continue;
    }
    const s = template.segments[i] as SegmentPattern;
    out.push(s.kind === "literal" ? s.value : s.kind === "any" ? "*" : "**");
    i++;
  }
  return `/${out.join("/")}${template.verb !== null ? `:${template.verb}` : ""}`;
}
