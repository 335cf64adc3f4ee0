import { convertedThrough, type WriterContractAdapter } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { toYolo, yoloFormat, yoloWriter } from "../src/index.js";
import { readYolo } from "./helpers.js";

const yolo = {
  read: readYolo,
  allowAbsolutePath: { file: /^data\.yaml$/, line: /^path: / },
} satisfies Partial<WriterContractAdapter>;

describeWriterContract({ ...yolo, name: "yolo writer", createWriter: (dir) => yoloWriter({ outDir: dir }) });
describeWriterContract({ ...yolo, name: "yolo writer, hard links", createWriter: (dir) => yoloWriter({ outDir: dir, imageMode: "hardlink" }) });
describeWriterContract({
  ...yolo,
  name: "yolo converter (toYolo)",
  createWriter: convertedThrough((dir) => intermediateWriter({ outDir: dir }), (dataset, out) => toYolo(dataset, { outDir: out })),
});
describeWriterContract({
  ...yolo,
  name: "yolo format descriptor, converting with hard links",
  createWriter: convertedThrough(
    (dir) => intermediateWriter({ outDir: dir }),
    (dataset, out) => yoloFormat.fromDataset(dataset, { out, linkImages: true }, {}),
  ),
});
