import { convertedThrough } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { toVoc, vocWriter } from "../src/index.js";
import { readVoc } from "./read-voc.js";

describeWriterContract({ name: "voc writer", createWriter: (dir) => vocWriter({ outDir: dir }), read: readVoc });
describeWriterContract({
  name: "voc converter (toVoc)",
  createWriter: convertedThrough((dir) => intermediateWriter({ outDir: dir }), (dataset, out) => toVoc(dataset, { outDir: out })),
  read: readVoc,
});
