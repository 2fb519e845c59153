/**
 * The transcoding rules on a fixture API that uses what auth.v1 does not (yet): nested and
 * multi-segment path variables, `**`, additional_bindings, a field body, response_body, query
 * parameters of every kind. The fixture is compiled by buf, as `npm run gen` compiles ours.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, type DescMessage, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiDescriptors, loadApi } from "./http-rules.js";
import { RouteTable } from "./route-table.js";
import { BadHttpRequest, decodeResponse, encodeRequest } from "./transcode.js";

const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const FIXTURE = `syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

service Things {
  rpc GetThing(GetThingRequest) returns (Thing) {
    option (google.api.http) = {
      get: "/v1/{name=shelves/*/things/*}"
      additional_bindings { get: "/v1/things/{name}" }
    };
  }
  rpc ListThings(ListThingsRequest) returns (ListThingsResponse) {
    option (google.api.http) = { get: "/v1/shelves/{shelf_id}/things" response_body: "things" };
  }
  rpc UpdateThing(UpdateThingRequest) returns (Thing) {
    option (google.api.http) = { patch: "/v1/things/{thing.id}" body: "thing" };
  }
  rpc ArchiveThing(ArchiveThingRequest) returns (Thing) {
    option (google.api.http) = { post: "/v1/things/{id}:archive" body: "*" };
  }
  rpc GetFile(GetFileRequest) returns (Thing) {
    option (google.api.http) = { get: "/v1/files/{path=**}" };
  }
  rpc GetSpecial(GetThingRequest) returns (Thing) {
    option (google.api.http) = { get: "/v1/things/special" };
  }
}
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; COLOR_BLUE = 2; }
message Thing { string id = 1; string name = 2; int64 size = 3; google.protobuf.Timestamp created_at = 4; Color color = 5; bool archived = 6; }
message GetThingRequest { string name = 1; }
message Filter { string owner_id = 1; }
message ListThingsRequest {
  string shelf_id = 1; int32 page_size = 2; repeated string tags = 3; Color color = 4; bool include_archived = 5;
  google.protobuf.Timestamp since = 6; Filter filter = 7; int64 min_size = 8; google.protobuf.Int32Value limit = 9;
}
message ListThingsResponse { repeated Thing things = 1; string next_page_token = 2; }
message UpdateThingRequest { Thing thing = 1; google.protobuf.FieldMask update_mask = 2; }
message ArchiveThingRequest { string id = 1; string reason = 2; }
message GetFileRequest { string path = 1; }
`;

let dir: string;
let api: ApiDescriptors;
let routes: RouteTable;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "transcode-"));
  mkdirSync(join(dir, "fixture/test/v1"), { recursive: true });
  writeFileSync(join(dir, "fixture/test/v1/things.proto"), FIXTURE);
  cpSync(join(ROOT, "third_party/googleapis/google/api"), join(dir, "googleapis/google/api"), { recursive: true });
  writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: fixture\n  - path: googleapis\n");
  execFileSync(join(ROOT, "node_modules/.bin/buf"), ["build", "--as-file-descriptor-set", "-o", join(dir, "set.binpb")], { cwd: dir });
  api = loadApi(readFileSync(join(dir, "set.binpb")));
  routes = new RouteTable(api.bindings);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Routes `verb path?query` with `body`, and returns the request message as proto3 JSON. */
function transcode(verb: string, url: string, body = ""): { rpc: string; request: unknown } {
  const [path = "", query = ""] = url.split("?");
  const match = routes.match(verb, path);
  if (!match) throw new Error(`no route for ${verb} ${path}`);
  const bytes = encodeRequest(match.binding, api.registry, { pathValues: match.pathValues, query: new URLSearchParams(query), body: Buffer.from(body) });
  const schema: DescMessage = match.binding.method.input;
  return { rpc: match.binding.method.name, request: toJson(schema, fromBinary(schema, bytes), { registry: api.registry }) };
}

const refused = (verb: string, url: string, body = "") => {
  try {
    transcode(verb, url, body);
  } catch (error) {
    if (error instanceof BadHttpRequest) return error;
    throw error;
  }
  throw new Error(`${verb} ${url} was accepted`);
};

describe("routes from the rules", () => {
  it("reads every rule, additional bindings included", () => {
    expect(api.bindings.map((b) => `${b.verb} ${b.template.source}`)).toEqual([
      "GET /v1/{name=shelves/*/things/*}",
      "GET /v1/things/{name}",
      "GET /v1/shelves/{shelf_id}/things",
      "PATCH /v1/things/{thing.id}",
      "POST /v1/things/{id}:archive",
      "GET /v1/files/{path=**}",
      "GET /v1/things/special",
    ]);
  });

  it("multi-segment variables keep their slashes; %2F stays escaped in them, single segments are decoded", () => {
    expect(transcode("GET", "/v1/shelves/s1/things/t%2F1")).toEqual({ rpc: "GetThing", request: { name: "shelves/s1/things/t%2F1" } });
    expect(transcode("GET", "/v1/things/a%20b%2Fc")).toEqual({ rpc: "GetThing", request: { name: "a b/c" } });
    expect(transcode("GET", "/v1/files/a/b/c.txt")).toEqual({ rpc: "GetFile", request: { path: "a/b/c.txt" } });
    expect(routes.match("GET", "/v1/shelves/s1/things/t1/extra")).toBeNull();
  });

  it("a literal beats a variable; a custom verb selects its own route", () => {
    expect(transcode("GET", "/v1/things/special").rpc).toBe("GetSpecial");
    expect(transcode("POST", "/v1/things/t1:archive", '{"reason":"old"}')).toEqual({ rpc: "ArchiveThing", request: { id: "t1", reason: "old" } });
    expect(routes.match("POST", "/v1/things/t1:delete")).toBeNull();
    expect(routes.match("POST", "/v1/things/t1")).toBeNull();
  });
});

describe("query parameters into fields", () => {
  it("maps scalars, repeated fields, enums, bools, Timestamps, wrappers, int64 and nested fields, by either spelling", () => {
    const { request } = transcode(
      "GET",
      "/v1/shelves/s9/things?pageSize=5&tags=a&tags=b&color=COLOR_BLUE&include_archived=true&since=2026-01-02T03:04:05Z&filter.ownerId=u1&min_size=9007199254740993&limit=7",
    );
    expect(request).toEqual({
      shelfId: "s9",
      pageSize: 5,
      tags: ["a", "b"],
      color: "COLOR_BLUE",
      includeArchived: true,
      since: "2026-01-02T03:04:05Z",
      filter: { ownerId: "u1" },
      minSize: "9007199254740993",
      limit: 7,
    });
    expect(transcode("GET", "/v1/shelves/s9/things?color=1&page_size=2").request).toMatchObject({ color: "COLOR_RED", pageSize: 2 });
  });

  it("refuses unknown, path-bound, repeated-singular and badly typed parameters, naming the field", () => {
    expect(refused("GET", "/v1/shelves/s9/things?nope=1").violations).toEqual([{ field: "nope", description: expect.any(String) }]);
    expect(refused("GET", "/v1/shelves/s9/things?shelfId=other").violations[0]?.field).toBe("shelfId");
    expect(refused("GET", "/v1/shelves/s9/things?filter=x").violations[0]?.field).toBe("filter");
    expect(refused("GET", "/v1/shelves/s9/things?pageSize=1&pageSize=2").violations[0]?.field).toBe("pageSize");
    expect(refused("GET", "/v1/shelves/s9/things?include_archived=yes").violations[0]?.field).toBe("include_archived");
    expect(refused("GET", "/v1/shelves/s9/things?pageSize=many").violations[0]?.field).toBe("page_size");
    expect(refused("GET", "/v1/shelves/s9/things?since=yesterday").violations[0]?.field).toBe("since");
    expect(refused("POST", "/v1/things/t1:archive?reason=x", "{}").message).toBe("Unknown query parameter");
  });
});

describe("bodies", () => {
  it("a field body fills that field; the path fills inside it; the other fields come from the query", () => {
    const { request } = transcode("PATCH", "/v1/things/t7?updateMask=name,color", '{"name":"lamp","size":"12","color":"COLOR_RED","id":"ignored"}');
    expect(request).toEqual({ thing: { id: "t7", name: "lamp", size: "12", color: "COLOR_RED" }, updateMask: "name,color" });
    expect(refused("PATCH", "/v1/things/t7?thing.name=x", "{}").violations[0]?.field).toBe("thing.name");
  });

  it("refuses malformed JSON and unknown fields without repeating values", () => {
    expect(refused("POST", "/v1/things/t1:archive", '{"reason": "sentinel').message).toBe("The request body is not valid JSON");
    const unknown = refused("POST", "/v1/things/t1:archive", '{"why":"x"}');
    expect(unknown.violations).toEqual([{ field: "why", description: "unknown field" }]);
    const wrong = refused("POST", "/v1/things/t1:archive", '{"reason":{"secret":"sentinel"}}');
    expect(JSON.stringify(wrong)).not.toContain("sentinel");
    expect(wrong.violations[0]?.field).toBe("reason");
  });
});

describe("responses", () => {
  it("proto3 JSON with defaults; response_body picks one field", () => {
    const list = api.bindings.find((b) => b.method.name === "ListThings")!;
    const thing = api.registry.getMessage("test.v1.Thing")!;
    const response = api.registry.getMessage("test.v1.ListThingsResponse")!;
    const things = [create(thing, { id: "t1", size: 5n, color: 2 })];
    const bytes = toBinary(response, create(response, { things, nextPageToken: "n" } as never));
    expect(decodeResponse(list, api.registry, bytes)).toEqual([{ id: "t1", name: "", size: "5", color: "COLOR_BLUE", archived: false }]);
    const get = api.bindings.find((b) => b.method.name === "GetThing")!;
    expect(decodeResponse(get, api.registry, toBinary(thing, create(thing, { id: "x", createdAt: { seconds: 0n, nanos: 0 } } as never)))).toMatchObject({
      createdAt: "1970-01-01T00:00:00Z",
    });
  });
});
