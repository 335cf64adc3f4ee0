import { type Rect, rectHeight, rectWidth } from "./raster.js";

/**
 * How large a control can be. A region beyond these is a container (a panel,
 * a sidebar, a card, the page): smart mode does not box it, it looks for the
 * content under the click instead, and gives the fallback when there is none.
 */
export const CONTROL_SIZE = {
  /** Largest width, as a share of the image's width (a wide text field, a list row). */
  maxWidthShare: 0.6,
  /** Largest height: this share of the image's height, but at least `minMaxHeight` px (a two-line list row at 125 %). */
  maxHeightShare: 0.1,
  minMaxHeight: 96,
  /** Largest area, as a share of the image's. */
  maxAreaShare: 0.04,
  /** Smallest side of a control in px. */
  minSide: 6,
  /** A region with content in two bands (rows of text) is a control only when this wide for its height (a two-line list row); three bands: never (a card). */
  twoBandMinAspect: 4.5,
  /** A region with more separate items than this side by side is a strip of controls (a toolbar, a tab bar, a segmented control), not one control. */
  maxItems: 2,
  /** A row ruled off from a sibling of its own colour (a separator line above or below it: a row of a separated list) may hold this many (an avatar, its text, a time). */
  ruledRowMaxItems: 3,
} as const;

export interface ControlLimits {
  maxWidth: number;
  maxHeight: number;
  maxArea: number;
}

export function controlLimits(imageWidth: number, imageHeight: number): ControlLimits {
  const C = CONTROL_SIZE;
  return {
    maxWidth: Math.max(64, Math.round(C.maxWidthShare * imageWidth)),
    maxHeight: Math.max(C.minMaxHeight, Math.round(C.maxHeightShare * imageHeight)),
    maxArea: Math.max(64 * 64, Math.round(C.maxAreaShare * imageWidth * imageHeight)),
  };
}

/** Whether a box is no larger than a control. */
export function withinControlSize(box: Rect, limits: ControlLimits): boolean {
  const w = rectWidth(box);
  const h = rectHeight(box);
  return w <= limits.maxWidth && h <= limits.maxHeight && w * h <= limits.maxArea;
}

/** Whether a box is large enough to be a control. */
export function aboveMinSide(box: Rect): boolean {
  return rectWidth(box) >= CONTROL_SIZE.minSide && rectHeight(box) >= CONTROL_SIZE.minSide;
}
