/**
 * Where ImageSpool's lines are, per image, and the category ids of their
 * boxes: in typed arrays that grow by doubling, not an object and two arrays
 * per image. A run's converter remembers every image until close; as small
 * objects that cost ~600 bytes an image (60 MB for 100k screenshots), here it
 * is ~40 bytes a line plus the map from id to image number.
 *
 * Images are numbered in the order they were first added; each image's lines
 * form a chain (first, next, ..., last) in the order they were added.
 */
export class SpoolIndex {
  /** Image id → image number. Iterates in insertion order. */
  private readonly numbers = new Map<string, number>();
  private firstLine = new Int32Array(256);
  private lastLine = new Int32Array(256);
  private lineOffset = new Float64Array(256);
  private lineLength = new Uint32Array(256);
  private nextLine = new Int32Array(256);
  private lineCategoriesStart = new Uint32Array(256);
  private lineCategoriesCount = new Uint32Array(256);
  private categoryIds = new Int32Array(1024);
  private lines = 0;
  private categoriesUsed = 0;

  /** Records that `length` bytes at `offset` hold a line of image `id` with boxes of these categories. */
  add(id: string, offset: number, length: number, categories: Iterable<number>): void {
    const line = this.lines++;
    if (line >= this.lineOffset.length) this.growLines();
    this.lineOffset[line] = offset;
    this.lineLength[line] = length;
    this.nextLine[line] = -1;
    const start = this.categoriesUsed;
    for (const c of categories) {
      if (this.categoriesUsed >= this.categoryIds.length) this.categoryIds = grown(this.categoryIds, this.categoriesUsed + 1);
      this.categoryIds[this.categoriesUsed++] = c;
    }
    this.lineCategoriesStart[line] = start;
    this.lineCategoriesCount[line] = this.categoriesUsed - start;

    const n = this.numbers.get(id);
    if (n === undefined) {
      const image = this.numbers.size;
      if (image >= this.firstLine.length) {
        this.firstLine = grown(this.firstLine, image + 1);
        this.lastLine = grown(this.lastLine, image + 1);
      }
      this.firstLine[image] = line;
      this.lastLine[image] = line;
      this.numbers.set(id, image);
    } else {
      this.nextLine[this.lastLine[n]!] = line;
      this.lastLine[n] = line;
    }
  }

  /** The ids, in the order they were first added. */
  ids(): IterableIterator<string> {
    return this.numbers.keys();
  }

  /** The (offset, length) of each line of `id`, in the order they were added. */
  *segments(id: string): Generator<{ offset: number; length: number }> {
    for (let line = this.first(id); line >= 0; line = this.nextLine[line]!) {
      yield { offset: this.lineOffset[line]!, length: this.lineLength[line]! };
    }
  }

  /** The category id of every box of every line of `id` (repeats included). */
  categories(id: string): number[] {
    const out: number[] = [];
    for (let line = this.first(id); line >= 0; line = this.nextLine[line]!) {
      const start = this.lineCategoriesStart[line]!;
      const end = start + this.lineCategoriesCount[line]!;
      for (let i = start; i < end; i++) out.push(this.categoryIds[i]!);
    }
    return out;
  }

  private first(id: string): number {
    const n = this.numbers.get(id);
    if (n === undefined) throw new RangeError(`SpoolIndex: no image ${id}`);
    return this.firstLine[n]!;
  }

  private growLines(): void {
    const need = this.lines;
    this.lineOffset = grown(this.lineOffset, need);
    this.lineLength = grown(this.lineLength, need);
    this.nextLine = grown(this.nextLine, need);
    this.lineCategoriesStart = grown(this.lineCategoriesStart, need);
    this.lineCategoriesCount = grown(this.lineCategoriesCount, need);
  }
}

type Growable = Int32Array | Uint32Array | Float64Array;

/** A copy of `a` with room for at least `need` elements (doubling). */
function grown<T extends Growable>(a: T, need: number): T {
  let size = a.length;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
