// Types of scoring.mjs, for the tests that import it.
import type { Annotation, Labeler, ResolvedImage } from "@qontinui/export-core";
import type { ElementType, GuiClick, GuiScreen } from "./gui-screens.mjs";

export const REFUSED_AT_OR_BELOW: number;
export const BUCKETS: readonly [number, number][];

export interface EvalRow {
  screen: number;
  type: ElementType;
  style: string;
  truth: GuiClick["box"];
  x: number;
  y: number;
  smartHit: boolean;
  smartIou: number | null;
  fixedHit: boolean;
  confidence: number | null;
  bbox: number[] | null;
  strategy: string;
  reason?: string;
  meta: Record<string, unknown>;
}

export interface PartSummary {
  clicks: number;
  overall: { smart: number | null; fixed: number | null };
  elements: { clicks: number; smart: number | null; fixed: number | null };
  byType: Record<ElementType, { clicks: number; smart: number | null; fixed: number | null }>;
  calibration: { bucket: string; boxes: number; right: number | null; meanConfidence: number | null; onEmptySpace: number }[];
  strategies: Record<string, number>;
}

export function resolvedImage(screen: GuiScreen, name?: string): ResolvedImage;
export function judge(click: GuiClick, boxes: Annotation[]): { hit: boolean; iou: number | null };
export function evaluatePart(
  seed: number,
  screens: number,
  options: { clickLabeler: (options: { mode: "smart" | "fixed" }) => Labeler; cache?: string; from?: number; onScreen?: (index: number, screen: GuiScreen) => void },
): Promise<{ rows: EvalRow[]; smartMs: number; smartCpuMs: number }>;
export function summarize(rows: EvalRow[]): PartSummary;
export function printTables(parts: Record<string, PartSummary>): string;
