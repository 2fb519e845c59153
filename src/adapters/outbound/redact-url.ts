/**
 * A connection URL (PostgreSQL, Redis, ...) fit for logs and error messages: the password is
 * replaced, both in the userinfo and as a `password` query parameter (libpq accepts it there).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.toString();
  } catch {
    // Not a URL we can parse: say nothing about it rather than risk echoing a secret.
    return "<unparseable url>";
  }
}
