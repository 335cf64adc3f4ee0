/**
 * Test helpers for writer packages: `import { checkWriterContract } from "@qontinui/export-core/testing"`.
 * Kept out of the main entry so production bundles do not carry them.
 */
export { flipDirectory } from "./flip-directory.js";
export { listFiles } from "./list-files.js";
export { within } from "./within.js";
export { memorySource } from "./memory-source.js";
export { checkSourceContract, type SourceContractAdapter, type SourceContractOptions, type SourceContractReport } from "./source-contract.js";
export { crc32, encodePng, pngChunk } from "./png-encoder.js";
export {
  AWKWARD_CATEGORY_NAMES,
  checkWriterContract,
  type ContractBox,
  type ContractDataset,
  type ContractImage,
  contractDataset,
  convertedThrough,
  type ContractOptions,
  type ContractReport,
  type ReadBackImage,
  type WriterContractAdapter,
} from "./writer-contract.js";
