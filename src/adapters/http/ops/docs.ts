/**
 * `/docs` (Swagger UI from the swagger-ui-dist package, served by this process: no CDN) and
 * `/openapi.json` (the document `npm run gen` wrote to src/gen/openapi.json). Only a fixed
 * list of files is served; no request path ever reaches the file system.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const OPENAPI_PATH = fileURLToPath(new URL("../../../gen/openapi.json", import.meta.url));
const OWN = fileURLToPath(new URL("./docs/", import.meta.url));

interface Asset {
  body: Buffer;
  contentType: string;
}

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("swagger-ui-dist/package.json"));
}

export class DocsAssets {
  private readonly assets = new Map<string, Asset>();

  /** Reads every asset now: a missing file stops start-up instead of failing a request. */
  constructor(openApiPath = OPENAPI_PATH) {
    const vendor = swaggerUiDir();
    const html = readFileSync(join(OWN, "index.html"));
    const add = (path: string, body: Buffer, contentType: string) => this.assets.set(path, { body, contentType });
    add("/docs", html, "text/html; charset=utf-8");
    add("/docs/", html, "text/html; charset=utf-8");
    add("/docs/init.js", readFileSync(join(OWN, "init.js")), "text/javascript; charset=utf-8");
    add("/docs/docs.css", readFileSync(join(OWN, "docs.css")), "text/css; charset=utf-8");
    add("/docs/swagger-ui.css", readFileSync(join(vendor, "swagger-ui.css")), "text/css; charset=utf-8");
    add("/docs/swagger-ui-bundle.js", readFileSync(join(vendor, "swagger-ui-bundle.js")), "text/javascript; charset=utf-8");
    add("/docs/favicon-32x32.png", readFileSync(join(vendor, "favicon-32x32.png")), "image/png");
    add("/openapi.json", readFileSync(openApiPath), "application/json");
  }

  /** The asset at `path`, or null when there is none (request paths never reach the file system). */
  get(path: string): Asset | null {
    return this.assets.get(path) ?? null;
  }
}
