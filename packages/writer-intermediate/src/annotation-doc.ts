import { boxIdentity, mergeRecordContext, type RecordContext } from "@qontinui/export-core";
import type { AnnotationFile, StoredAnnotation } from "@qontinui/intermediate-format";

/** The fields of an annotation file that describe its image, not its boxes. */
export interface ImageFields {
  image_id: string;
  image_filename: string;
  image_width: number;
  image_height: number;
  version: string;
}

type FileContext = AnnotationFile["context"];

/**
 * One image's annotation file being built in memory: its boxes, each kept
 * once (bbox + category, `boxIdentity`), and its context merged by the rule
 * every path uses (`mergeRecordContext`). The identities live beside the
 * boxes, so a record merged into an image that already has hundreds of boxes
 * costs its own boxes, not the image's.
 */
export class AnnotationDoc {
  private readonly identities = new Set<string>();
  readonly boxes: StoredAnnotation[] = [];
  context: FileContext | undefined;

  /** From a file's parsed content (its boxes, all kept as they are, and its context), or empty. */
  constructor(file?: Partial<AnnotationFile>) {
    for (const box of Array.isArray(file?.annotations) ? file.annotations : []) {
      this.identities.add(boxIdentity(box.bbox, box.category_id));
      this.boxes.push(box);
    }
    this.context = file?.context;
  }

  /** Whether the image has a box of this identity. */
  has(identity: string): boolean {
    return this.identities.has(identity);
  }

  /** Adds a box unless the image has one of the same identity; true when added. */
  add(box: StoredAnnotation, identity = boxIdentity(box.bbox, box.category_id)): boolean {
    if (this.identities.has(identity)) return false;
    this.identities.add(identity);
    this.boxes.push(box);
    return true;
  }

  /** Merges a record's (or a journal line's) context; true when the file's context changed. */
  mergeContext(next: RecordContext | FileContext): boolean {
    // A context another writer left without states (an older or hand-made file) is replaced.
    const merged = this.context && Array.isArray(this.context.active_states) ? mergeRecordContext(this.context as RecordContext, next as RecordContext) : next;
    if (merged === this.context) return false;
    this.context = merged as FileContext;
    return true;
  }

  /** The file as written: the image's fields, then boxes, context, version (the seed's key order). */
  toFile(fields: ImageFields): AnnotationFile {
    return {
      image_id: fields.image_id,
      image_filename: fields.image_filename,
      image_width: fields.image_width,
      image_height: fields.image_height,
      annotations: this.boxes,
      context: this.context as FileContext,
      version: fields.version,
    };
  }
}
