/**
 * The S3 backend, apart from the main entry so that code using a directory
 * store never loads it: `import { S3BlobStore } from "@qontinui/blob-store/s3"`.
 */
export { parseS3Url, S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.js";
export { S3Error } from "./s3/s3-client.js";
