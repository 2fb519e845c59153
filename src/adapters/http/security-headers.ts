/**
 * Headers on every gateway response. API answers are JSON that no browser should render,
 * frame or cache (they carry tokens); the docs page gets a CSP of its own that admits only
 * scripts and styles served by this process (no CDN, no inline script).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
};

/** API responses hold tokens and personal data: never stored by a browser or proxy cache. */
export const NO_STORE = { "cache-control": "no-store" };

/**
 * The docs page (Swagger UI). `style-src 'self'` still lets Swagger UI set element styles
 * through the DOM (CSSOM), which CSP does not govern; `img-src data:` is for its inline SVG
 * icons; `connect-src 'self'` lets "Try it out" call this API and fetch /openapi.json.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
