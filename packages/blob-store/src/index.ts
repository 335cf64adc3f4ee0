export {
  BLOB_KEY_PATTERN,
  BlobDigestError,
  type BlobInfo,
  BlobKeyError,
  BlobNotFoundError,
  type BlobStore,
  BlobStoreConfigError,
  checkBlobKey,
  type PutResult,
} from "./blob-store.js";
export { DirectoryBlobStore, type DirectoryBlobStoreOptions, STALE_TEMP_MS } from "./directory-blob-store.js";
export { sha256Hex } from "./sha256.js";
