import { createHash } from "node:crypto";

/** The lowercase hex SHA-256 of `bytes`: a blob's key. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
