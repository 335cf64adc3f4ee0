import _Ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import annotationFile from "../schemas/annotation-file.schema.json";
import coco from "../schemas/coco.schema.json";
import manifestEntry from "../schemas/manifest-entry.schema.json";
import metadata from "../schemas/metadata.schema.json";

/**
 * JSON Schemas (draft 2020-12) of every file the project writes. The same
 * documents ship as files in `@qontinui/export-core/schemas/*.schema.json`
 * for other languages' validators.
 */
export const SCHEMAS = {
  "manifest-entry": manifestEntry,
  "annotation-file": annotationFile,
  metadata,
  coco,
} as const;

export type SchemaName = keyof typeof SCHEMAS;

export type SchemaResult = { ok: true } | { ok: false; errors: string[] };

// ajv is CommonJS: its default export arrives as the class or as { default: class }.
const Ajv2020 = ((_Ajv2020 as unknown as { default?: unknown }).default ?? _Ajv2020) as typeof _Ajv2020;
let ajv: InstanceType<typeof Ajv2020> | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    ajv ??= new Ajv2020({ allErrors: true, strict: false });
    v = ajv.compile(SCHEMAS[name]);
    compiled.set(name, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || "(root)";
  const extra = e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : e.keyword === "enum" ? ` (${JSON.stringify(e.params.allowedValues)})` : "";
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

/** Validates parsed JSON against one of the project's schemas; errors read "/path: message". */
export function validateAgainst(name: SchemaName, data: unknown): SchemaResult {
  const v = validator(name);
  if (v(data)) return { ok: true };
  return { ok: false, errors: (v.errors ?? []).slice(0, 20).map(describe) };
}
