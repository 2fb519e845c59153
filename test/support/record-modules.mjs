// `node --import ./test/support/record-modules.mjs app.js` with MODULE_LOG=<file>: appends the
// resolved URL of every module the process loads (ESM through a resolve hook, CommonJS through
// Module._resolveFilename) to that file, one per line. Plain JavaScript so it runs without tsx.
// Used by test/ops/compiled-start.test.ts to prove which modules the compiled service loads.
import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";

let logFile = process.env.MODULE_LOG;

/** Hooks thread: told the file by register(). */
export function initialize(data) {
  logFile = data.file;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(logFile, `${result.url}\n`);
  return result;
}

if (isMainThread && logFile) {
  register(import.meta.url, { data: { file: logFile } });
  const original = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const resolved = original.apply(this, args);
    appendFileSync(logFile, `${resolved.startsWith("/") ? pathToFileURL(resolved).href : resolved}\n`);
    return resolved;
  };
}
