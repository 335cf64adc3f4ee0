// Types of gui-screens.mjs, for the tests that import it.

export type ElementType = "button" | "text_box" | "tab" | "list_item" | "icon" | "link" | "checkbox" | "toggle" | "empty_space";

export interface GuiClick {
  type: ElementType;
  /** How the element is drawn (e.g. "solid", "underline-selected", "sidebar", "radio-checked+label"). */
  style: string;
  /** The true box [x, y, width, height] in image pixels; null for empty space. */
  box: [number, number, number, number] | null;
  x: number;
  y: number;
}

export interface GuiScreen {
  index: number;
  seed: number;
  width: number;
  height: number;
  /** 1, 1.25 or 1.5. */
  scale: number;
  theme: string;
  font: string;
  fontSize: number;
  layout: string;
  format: "png" | "jpeg";
  quality?: number;
  bytes: Buffer;
  clicks: GuiClick[];
  elementCount: number;
}

export const ELEMENT_TYPES: readonly ElementType[];
export const OPEN_SEED: number;
export const SEALED_SEED: number;
export const LAYOUT_NAMES: readonly string[];
export function guiScreen(seed: number, index: number, options?: { perType?: number; emptyClicks?: number }): Promise<GuiScreen>;
