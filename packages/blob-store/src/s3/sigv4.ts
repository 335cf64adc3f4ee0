import { createHash, createHmac } from "node:crypto";

/** The SHA-256 of an empty payload, hex: what a request without a body signs. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignableRequest {
  method: string;
  url: URL;
  /** Header names in lowercase. Every one given is signed. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body: the server checks the body against it. */
  payloadSha256: string;
}

/** RFC 3986 encoding as SigV4 wants it: only A-Z a-z 0-9 - . _ ~ stay as they are. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** `20240102T030405Z` */
function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * Signs a request with AWS Signature Version 4 (header form, signed payload):
 * returns the headers to send, `authorization`, `x-amz-date` and
 * `x-amz-content-sha256` added. The URL's path must already be encoded
 * segment by segment (S3 signs it as sent, not encoded twice).
 */
export function signRequest(request: SignableRequest, credentials: Credentials, region: string, now = new Date()): Record<string, string> {
  const date = amzDate(now);
  const headers: Record<string, string> = { ...request.headers, host: request.url.host, "x-amz-date": date, "x-amz-content-sha256": request.payloadSha256 };
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, " ")}\n`).join("");
  const signedHeaders = names.join(";");
  const query = [...request.url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [request.method, request.url.pathname, query, canonicalHeaders, signedHeaders, request.payloadSha256].join("\n");
  const scope = `${date.slice(0, 8)}/${region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, createHash("sha256").update(canonicalRequest, "utf8").digest("hex")].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date.slice(0, 8)), region), "s3"), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  delete headers.host; // fetch sets it from the URL, the same value
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
