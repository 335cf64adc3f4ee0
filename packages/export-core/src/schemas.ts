import { createRequire } from "node:module";
import type _Ajv2020 from "ajv/dist/2020.js";
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

// ajv (~60 CommonJS modules) is required the first time a schema is compiled, not when
// export-core is imported: most programs using export-core (an export, the CLI's start) never
// validate against these schemas. (The CommonJS build gets import.meta.url from tsup's shims.)
const requireHere = createRequire(import.meta.url);
let ajv: InstanceType<typeof _Ajv2020> | undefined;

function newAjv(): InstanceType<typeof _Ajv2020> {
  const loaded = requireHere("ajv/dist/2020.js") as typeof _Ajv2020 | { default: typeof _Ajv2020 };
  // ajv is CommonJS: its export arrives as the class or as { default: class }.
  const Ajv2020 = "default" in loaded ? loaded.default : loaded;
  return new Ajv2020({ allErrors: true, strict: false });
}
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    ajv ??= newAjv();
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
