/**
 * `/docs` (Swagger UI from the swagger-ui-dist package, served by this process: no CDN) and
 * `/openapi.json` (the document `npm run gen` wrote to src/gen/openapi.json). Only a fixed
 * list of files is served; no request path ever reaches the file system.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const OPENAPI_PATH = fileURLToPath(new URL("../../gen/openapi.json", import.meta.url));
const OWN = fileURLToPath(new URL("./docs/", import.meta.url));

interface Asset {
  file: string;
  contentType: string;
}

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("swagger-ui-dist/package.json"));
}

export class DocsAssets {
  private readonly assets = new Map<string, Asset>();
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly openApiPath = OPENAPI_PATH) {
    const vendor = swaggerUiDir();
    const own = (name: string, contentType: string) => ({ file: join(OWN, name), contentType });
    this.assets.set("/docs", own("index.html", "text/html; charset=utf-8"));
    this.assets.set("/docs/", own("index.html", "text/html; charset=utf-8"));
    this.assets.set("/docs/init.js", own("init.js", "text/javascript; charset=utf-8"));
    this.assets.set("/docs/docs.css", own("docs.css", "text/css; charset=utf-8"));
    this.assets.set("/docs/swagger-ui.css", { file: join(vendor, "swagger-ui.css"), contentType: "text/css; charset=utf-8" });
    this.assets.set("/docs/swagger-ui-bundle.js", { file: join(vendor, "swagger-ui-bundle.js"), contentType: "text/javascript; charset=utf-8" });
    this.assets.set("/docs/favicon-32x32.png", { file: join(vendor, "favicon-32x32.png"), contentType: "image/png" });
    this.assets.set("/openapi.json", { file: this.openApiPath, contentType: "application/json" });
  }

  /** The asset at `path`, read once, or null when there is none. */
  get(path: string): { body: Buffer; contentType: string } | null {
    const asset = this.assets.get(path);
    if (!asset) return null;
    let body = this.cache.get(asset.file);
    if (!body) {
      body = readFileSync(asset.file);
      this.cache.set(asset.file, body);
    }
    return { body, contentType: asset.contentType };
  }
}
