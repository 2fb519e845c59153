import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

/** The descriptor set written by `npm run gen` (buf build, with imports and source info). */
export const DESCRIPTOR_SET_PATH = fileURLToPath(new URL("../../gen/descriptor.binpb", import.meta.url));

export function readDescriptorSet(path = DESCRIPTOR_SET_PATH): Uint8Array {
  return readFileSync(path);
}

/**
 * Splits a FileDescriptorSet into its serialized FileDescriptorProtos without decoding them,
 * so nothing is lost (options, extensions such as google.api.http, source info): field 1 of
 * the set is `repeated FileDescriptorProto file`.
 */
export function splitDescriptorSet(set: Uint8Array): Buffer[] {
  const reader = new BinaryReader(set);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) files.push(Buffer.from(reader.bytes()));
    else reader.skip(tag & 7);
  }
  return files;
}

/** What @grpc/reflection (1.0.4) keeps per protocol version: decoded files, and the bytes it answers with. */
interface ReflectionIndex {
  files: Record<string, object>;
  fileEncodings: Map<object, Uint8Array>;
}

/**
 * Reflection v1 and v1alpha over every file of the set. The set holds all that reflection
 * serves: our contract, the google.rpc status and error details our errors carry
 * (third_party/googleapis), grpc.health.v1 and grpc.reflection.v1/v1alpha themselves
 * (third_party/grpc-proto), so ListServices names every service this server answers, and each
 * file keeps the name and imports buf gave it, which grpcurl and strict pools rely on.
 *
 * @grpc/reflection reads any object whose values carry `fileDescriptorProtos`. It decodes each
 * file with protobufjs and answers with a re-encoding, which drops what protobufjs's
 * descriptor.proto lacks: the custom options (google.api.http, auth.v1.access, field_behavior)
 * and newer descriptor fields. So each answer is swapped back to the file as buf wrote it.
 */
export function createReflectionService(set: Uint8Array): ReflectionService {
  const files = splitDescriptorSet(set);
  const service = new ReflectionService({ "auth.v1": { fileDescriptorProtos: files } } as unknown as PackageDefinition);
  const original = new Map(files.map((bytes) => [fromBinary(FileDescriptorProtoSchema, bytes).name, bytes]));
  const internals = service as unknown as { v1?: Partial<ReflectionIndex>; v1Alpha?: Partial<ReflectionIndex> };
  for (const index of [internals.v1, internals.v1Alpha]) {
    if (!index?.files || !(index.fileEncodings instanceof Map)) throw new Error("@grpc/reflection changed its internals: createReflectionService needs a look");
    for (const [name, file] of Object.entries(index.files)) {
      const bytes = original.get(name);
      if (bytes) index.fileEncodings.set(file, bytes);
    }
  }
  return service;
}
