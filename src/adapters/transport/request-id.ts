import { randomUUID } from "node:crypto";

/** A caller-supplied request id is kept only if it is short and plain (no log injection). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's request id (a metadata or HTTP header value) when plain enough, else a new one. */
export function requestIdOr(given: unknown): string {
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}
