/** A blob's key: the lowercase hex SHA-256 of its bytes (64 characters). Anything else is refused, never used as a path or object name. */
export const BLOB_KEY_PATTERN = /^[0-9a-f]{64}$/;

export interface BlobInfo {
  key: string;
  size: number;
  /** When the blob was last written or touched (a `put` of bytes already stored touches them). */
  modified: Date;
}

export interface PutResult {
  key: string;
  /** False when the store already held these bytes (nothing written, the blob touched). */
  created: boolean;
}

/**
 * Content-addressed storage for images: bytes are stored under their SHA-256,
 * so the same screenshot from any number of runners is stored once, and a
 * key names the same bytes forever.
 *
 * The rules every implementation keeps (`describeBlobStoreContract` checks them):
 * - `put` computes the SHA-256 of the bytes (and refuses a given key that does
 *   not match them with `BlobDigestError`, storing nothing); a blob is never
 *   visible under its key before it is whole (temp + link/rename on a
 *   directory, a conditional single PUT on S3);
 *   storing bytes that are already there writes nothing, is not an error, and
 *   refreshes `modified` (so a sweep with a grace period keeps a blob a writer
 *   just referred to again).
 * - `get`/`localFile` of a missing key throw `BlobNotFoundError`.
 * - Keys that are not 64 lowercase hex digits throw `BlobKeyError` in every method.
 * - `delete` of a missing key is not an error.
 */
export interface BlobStore {
  /** Where the blobs are, for messages (a directory, `s3://bucket/prefix`); no credentials. */
  readonly location: string;
  put(bytes: Uint8Array, key?: string): Promise<PutResult>;
  has(key: string): Promise<boolean>;
  get(key: string): Promise<Buffer>;
  /**
   * A local file holding the blob's bytes, for code that reads files
   * (converters copying images). A directory store returns the blob itself
   * (read-only use); a remote store fetches it once into its cache directory.
   */
  localFile(key: string): Promise<string>;
  /** Every stored blob, in no particular order. */
  list(): AsyncIterable<BlobInfo>;
  delete(key: string): Promise<void>;
  /** Releases connections and removes temp files the store made. */
  close?(): Promise<void>;
}

export class BlobKeyError extends Error {
  constructor(readonly key: unknown) {
    super(`${JSON.stringify(String(key)).slice(0, 80)} is not a blob key (64 lowercase hex digits of a SHA-256)`);
    this.name = "BlobKeyError";
  }
}

export class BlobNotFoundError extends Error {
  constructor(
    readonly key: string,
    location: string,
  ) {
    super(`blob ${key} is not in ${location}`);
    this.name = "BlobNotFoundError";
  }
}

/** Bytes that do not hash to the key they were given or stored under: refused, never returned as that blob. */
export class BlobDigestError extends Error {
  constructor(
    readonly key: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: expected SHA-256 ${key}, got ${actual}`);
    this.name = "BlobDigestError";
  }
}

/** A store that cannot be opened as configured (a missing bucket name or credentials, a malformed URL). */
export class BlobStoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlobStoreConfigError";
  }
}

export function checkBlobKey(key: unknown): string {
  if (typeof key !== "string" || !BLOB_KEY_PATTERN.test(key)) throw new BlobKeyError(key);
  return key;
}
