/** An axis-aligned rectangle in image pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Whether `a` and `b` share some area; rectangles that only touch do not. */
export function rectsIntersect(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Rectangles bucketed by a uniform grid over an area, so finding the ones that intersect a small
 * rectangle looks at a few cells instead of every entry: placing n labels stays near O(n) where a
 * plain list would be O(n²) (hundreds of boxes on one screenshot of a looped automation).
 * Rectangles reaching outside the area are kept in the border cells.
 */
export class RectIndex<T> {
  private readonly columns: number;
  private readonly rows: number;
  private readonly cells: number[][];
  private readonly entries: { rect: Rect; value: T }[] = [];
  /** Per entry, the last search that visited it: each entry is reported once per search. */
  private readonly visited: number[] = [];
  private searches = 0;

  constructor(
    width: number,
    height: number,
    private readonly cellWidth: number,
    private readonly cellHeight: number,
  ) {
    if (!(cellWidth > 0 && cellHeight > 0)) throw new RangeError(`cell size must be positive, got ${cellWidth}×${cellHeight}`);
    this.columns = Math.max(1, Math.ceil(width / cellWidth));
    this.rows = Math.max(1, Math.ceil(height / cellHeight));
    this.cells = Array.from({ length: this.columns * this.rows }, () => []);
  }

  insert(rect: Rect, value: T): void {
    const id = this.entries.length;
    this.entries.push({ rect, value });
    this.visited.push(0);
    const [c0, c1, r0, r1] = this.span(rect);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) this.cells[r * this.columns + c]!.push(id);
    }
  }

  /**
   * Calls `visit` once for every entry intersecting `rect`, in no particular order; stops as soon
   * as `visit` returns true, and returns whether it did.
   */
  search(rect: Rect, visit: (value: T, rect: Rect) => boolean | void): boolean {
    const stamp = ++this.searches;
    const [c0, c1, r0, r1] = this.span(rect);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        for (const id of this.cells[r * this.columns + c]!) {
          if (this.visited[id] === stamp) continue;
          this.visited[id] = stamp;
          const entry = this.entries[id]!;
          if (rectsIntersect(entry.rect, rect) && visit(entry.value, entry.rect) === true) return true;
        }
      }
    }
    return false;
  }

  /** First and last column, first and last row of the cells `rect` overlaps. */
  private span(rect: Rect): [number, number, number, number] {
    return [this.column(rect.x), this.column(rect.x + rect.width), this.row(rect.y), this.row(rect.y + rect.height)];
  }

  private column(x: number): number {
    return Math.min(this.columns - 1, Math.max(0, Math.floor(x / this.cellWidth)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor(y / this.cellHeight)));
  }
}
