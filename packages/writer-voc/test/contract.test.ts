import { convertedThrough } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { toVoc, vocWriter } from "../src/index.js";
import { readVoc } from "./read-voc.js";

// Default: JPEGImages/<id>.jpg are re-encoded, so images are known by name and size, not by bytes.
describeWriterContract({ name: "voc writer", createWriter: (dir) => vocWriter({ outDir: dir }), read: readVoc, reencodesImages: true });
describeWriterContract({
  name: "voc converter (toVoc)",
  createWriter: convertedThrough((dir) => intermediateWriter({ outDir: dir }), (dataset, out) => toVoc(dataset, { outDir: out })),
  read: readVoc,
  reencodesImages: true,
});

// keepOriginal: the screenshots byte for byte.
describeWriterContract({ name: "voc writer, keepOriginal", createWriter: (dir) => vocWriter({ outDir: dir, keepOriginal: true }), read: readVoc });
describeWriterContract({
  name: "voc converter (toVoc), keepOriginal",
  createWriter: convertedThrough((dir) => intermediateWriter({ outDir: dir }), (dataset, out) => toVoc(dataset, { outDir: out, keepOriginal: true })),
  read: readVoc,
});
