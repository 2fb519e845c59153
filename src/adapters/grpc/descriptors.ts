import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BinaryReader } from "@bufbuild/protobuf/wire";

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

/**
 * The shape @grpc/reflection reads: any object whose values carry `fileDescriptorProtos`.
 * Feeding it the real files keeps their names and imports, which grpcurl relies on.
 */
export function reflectionPackageDefinition(set: Uint8Array): Record<string, { fileDescriptorProtos: Buffer[] }> {
  return { "auth.v1": { fileDescriptorProtos: splitDescriptorSet(set) } };
}
