// Types of @qontinui/runner-sessions (the code is plain ESM JavaScript in ./index.mjs).

export type EventsForm = "camel" | "snake" | "bridge";

export interface SessionOptions {
  /** Default 1. The same seed (and options) gives the same bytes, on the same machine and fonts. */
  seed?: number;
  /** Default 1280x720; 1920x1080 works (the UI is drawn 1.5 times larger). At least 320x240. */
  width?: number;
  height?: number;
  /** Number of action nodes in the tree, GO_TO_STATE and its nested clicks included (default 12). */
  actions?: number;
  /**
   * How many different GUI screens exist (default 6); every fifth from the fourth on is a page
   * still loading. Frames are encoded once: a static screen captured twice gives identical bytes.
   * With fewer actions than pages, not every screen is shown.
   */
  distinctScreens?: number;
  /** Default true: full-size JPEG q85 bytes in .png names (runner since Dec 2025). false: real PNG. */
  jpegInPng?: boolean;
  /** Fraction 0..1 of screenshots written as an old-style PNG thumbnail, 200 px long side (default 0). */
  thumbnails?: number;
  /** Fraction 0..1 of attempts that also write a debug visual (default 0.6; never the session's first). */
  debugVisuals?: number;
  /** Attempts owned by "unknown": state checks after GO_TO_STATE's nested workflow (default 2; needs 3+ actions). */
  unknownAttempts?: number;
  /** Default true: write <dir>/tree-events.jsonl. */
  events?: boolean;
  /** Default "camel". */
  eventsForm?: EventsForm;
  /** Default true: write run_data/dataset/grounding.jsonl and images/. */
  grounding?: boolean;
  /** Default 10 (fewer when the session has too few distinct captures). */
  groundingLines?: number;
  /** Default 0: number of rotated parts grounding.<k>.jsonl the older lines go to (k=1 oldest). */
  groundingRotate?: number;
}

export type Box = [x: number, y: number, w: number, h: number];

export interface TruthScreenshot {
  /** "screenshots/screenshot-0001.png", relative to run_data. */
  reference: string;
  actionId: string;
  imageId: string;
  found: boolean;
  /** Size of the stored image (200 px long side for a thumbnail). */
  width: number;
  height: number;
  /** JPEG bytes in the .png name. */
  jpeg: boolean;
  thumbnail: boolean;
  number: number;
  /** Index of the distinct screen shown: equal screens, equal bytes. */
  screen: number;
}

export interface TruthDebugVisual {
  /** "debug_visuals/debug-0001-action-<sid>.png". */
  reference: string;
  number: number;
  /** The screenshot it was drawn from (also what the spec's pairing rule gives). */
  screenshot: string;
  actionId: string;
  imageId: string;
  found: boolean;
  templateSize: { width: number; height: number };
}

export interface TruthTemplateBox {
  /** The screenshot the debug visual pairs with by the spec's rule. */
  reference: string;
  /** In screen pixels (the debug visual's size). */
  bbox: Box;
  category: string;
  debug: string;
  /** bbox in the stored screenshot's pixels (differs from bbox for a thumbnail). */
  imageBbox: Box;
}

export interface TruthEventBox {
  nodeId: string;
  reference: string;
  bbox: Box;
  category: string;
  /** Where w/h come from: the event's runtime.location, or the first attempt's debug sidecar. */
  sizeFrom: "event" | "debug";
  imageBbox: Box;
}

export interface TruthClick {
  nodeId: string;
  /** The node's screenshotReference (its first attempt, which may show another screen). */
  reference: string;
  x: number;
  y: number;
  /** The screenshot of the match that was clicked. */
  matchReference: string;
}

export interface TruthGroundingBox {
  /** "images/<hash>.png", relative to the dataset directory. */
  imagePath: string;
  bbox: Box;
  role: string;
  text?: string;
}

export interface SessionTruth {
  /** Absolute path of <dir>/run_data. */
  runData: string;
  /** Absolute path of tree-events.jsonl (when events are written). */
  eventsFile?: string;
  /** Absolute path of run_data/dataset (when grounding is written). */
  groundingDir?: string;
  options: Required<SessionOptions>;
  screenSize: { width: number; height: number };
  screenshots: TruthScreenshot[];
  debugVisuals: TruthDebugVisual[];
  /** Every found debug visual with a non-zero template size, paired by the spec's rule. */
  templateBoxes: TruthTemplateBox[];
  /** Action nodes whose first attempt was found and whose box size is in the data. */
  eventBoxes: TruthEventBox[];
  clicks: TruthClick[];
  groundingBoxes: TruthGroundingBox[];
  groundingLines: { index: number; file: string; imagePath: string; source: "static" | "dynamic"; elements: number; nodeId?: string }[];
  counts: {
    screenshots: number;
    debugVisuals: number;
    unknownAttempts: number;
    actions: number;
    failedActions: number;
    events: number;
    groundingLines: number;
    distinctScreensDrawn: number;
  };
  /** durationMs only on the returned object, not in truth.json. */
  stats: { encodedScreens: number; encodedDebugVisuals: number; bytesWritten: number; durationMs?: number };
}

export interface HostileInput {
  /** Stable name: "torn-events-line", "symlink-outside", "non-finite-number", ... */
  kind: string;
  /** Path relative to the session directory. */
  file: string;
  /** What the input is and what a reader must report. */
  what: string;
  /** 1-based line, for lines added to a JSONL file. */
  line?: number;
  actionId?: string;
}

export type HostileTruth = HostileInput[];

/** Generates a session in `dir` (its own earlier files there are replaced) and returns the truth, also written to dir/truth.json. */
export function generateSession(dir: string, options?: SessionOptions): Promise<SessionTruth>;

/** Adds bad input to a generated session; also written to dir/hostile.json. */
export function writeHostileInputs(dir: string): Promise<HostileTruth>;

/** The runner's file-name form of an action id (debug visual names). */
export function sanitizeActionId(actionId: string): string;

export const DEFAULT_OPTIONS: Readonly<Required<SessionOptions>>;
/** Names generateSession writes (and removes first) in a session directory. */
export const SESSION_ENTRIES: readonly string[];
export function normalizeOptions(options?: SessionOptions): Required<SessionOptions>;

export interface AttemptForPairing {
  number: number;
  actionId: string;
  imageId: string;
  found: boolean;
  /** Timestamp in microseconds. */
  at: number;
}
/** The spec's pairing rule: latest screenshot at or before the debug visual with the same action_id, image_id, found. */
export function pairDebugVisual<T extends AttemptForPairing>(debugAttempt: T & { debug: { at: number } }, attempts: readonly T[]): T | null;

export class SessionOptionsError extends RangeError {}
export class TruthError extends Error {}
