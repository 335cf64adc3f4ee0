// Types of synthetic-screens.mjs, for the tests that import it.

export type BackgroundKind = "flat" | "gradient" | "textured";
export type ElementKind = "panel" | "button" | "field" | "tile_icon" | "glyph_icon";

export interface SyntheticElement {
  kind: ElementKind;
  /** [x, y, width, height] in image pixels. */
  box: [number, number, number, number];
  /** 0: panels, 1: widgets and icons on them. */
  depth: number;
  /** Corner radius of buttons, fields and tile icons. */
  rx?: number;
  /** Shape of a glyph icon. */
  shape?: "circle" | "diamond" | "triangle" | "plus";
  /** Fill kind of a panel. */
  fill?: BackgroundKind;
}

export interface SyntheticScreen {
  index: number;
  seed: number;
  width: number;
  height: number;
  /** PNG bytes. */
  png: Buffer;
  background: BackgroundKind;
  /** For textured backgrounds: "noise", "stripes", "checker" or "dots". */
  texture?: string;
  theme: string;
  elements: SyntheticElement[];
}

export interface SyntheticClick {
  x: number;
  y: number;
  /** The innermost element under the point: the truth. */
  element: SyntheticElement;
}

export const SCREEN_WIDTH: number;
export const SCREEN_HEIGHT: number;
export const BACKGROUND_KINDS: readonly BackgroundKind[];
export const ELEMENT_KINDS: readonly ElementKind[];

export function syntheticScreen(seed: number, index: number, options?: { noise?: number }): Promise<SyntheticScreen>;
export function elementAt(elements: readonly SyntheticElement[], x: number, y: number): SyntheticElement | undefined;
export function sampleClicks(screen: SyntheticScreen, count: number, seed?: number): SyntheticClick[];
