// Artifact B (tree events), camel form, read as a consumer would and joined to run_data/.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSession } from "../src/index.mjs";
import type { SessionTruth } from "../src/index.mjs";
import { readJsonLines, readSidecars, tempDir } from "./helpers";

type Loc = { x: number; y: number; w?: number; h?: number };
interface Node {
  id: string;
  nodeType: string;
  name: string;
  timestamp: number;
  endTimestamp?: number;
  duration?: number;
  parentId?: string;
  status: string;
  error?: string;
  metadata: {
    config: object;
    isExpandable: boolean;
    isInline: boolean;
    runtime?: { imageId?: string; found?: boolean; confidence?: number; location?: Loc; clickedAt?: { x: number; y: number } };
    stateContext?: { activeBefore: string[]; activeAfter: string[]; changed: boolean; activated: string[]; deactivated: string[] };
    timing?: { startTime: string; endTime: string; durationMs: number };
    outcome?: { success: boolean; retryCount: number; error?: string };
    screenshotReference?: string;
    visualDebugReference?: string;
  };
}
interface TreeEvent {
  type: string;
  eventType: string;
  sequence: number;
  timestamp: number;
  path: { id: string; name: string; nodeType: string }[];
  node: Node;
}

let truth: SessionTruth;
let cleanup: () => void;
let events: TreeEvent[];
let sidecars: ReturnType<typeof readSidecars>;

beforeAll(async () => {
  const t = tempDir("events");
  cleanup = t.cleanup;
  truth = await generateSession(t.dir, { seed: 3, actions: 24, distinctScreens: 8 });
  events = readJsonLines(truth.eventsFile!) as TreeEvent[];
  sidecars = readSidecars(truth.runData);
});
afterAll(() => cleanup());

const completed = () => events.filter((e) => e.node.nodeType === "action" && e.eventType !== "action_started");

describe("tree events (camel)", () => {
  it("has the envelope fields, a shared sequence with gaps, root-first paths ending at the node", () => {
    const types = new Set(["workflow", "action", "transition"].flatMap((k) => [`${k}_started`, `${k}_completed`, `${k}_failed`]));
    let last = -Infinity;
    let gaps = 0;
    for (const e of events) {
      expect(Object.keys(e)).toEqual(["type", "eventType", "sequence", "timestamp", "path", "node"]);
      expect(e.type).toBe("tree_event");
      expect(types.has(e.eventType)).toBe(true);
      expect(e.sequence).toBeGreaterThan(last);
      if (last !== -Infinity && e.sequence > last + 1) gaps++;
      last = e.sequence;
      expect(e.path.at(-1)).toEqual({ id: e.node.id, name: e.node.name, nodeType: e.node.nodeType });
      expect(e.path[0]!.nodeType).toBe("workflow");
      if (e.node.parentId) expect(e.path.at(-2)!.id).toBe(e.node.parentId);
    }
    expect(gaps).toBeGreaterThan(0);
    expect(events[0]!.eventType).toBe("workflow_started");
    expect(events.at(-1)!.eventType).toMatch(/^workflow_(completed|failed)$/);
    expect(events.some((e) => e.eventType === "transition_started")).toBe(true);
    expect(events.some((e) => e.eventType === "transition_completed")).toBe(true);
  });

  it("action_started carries only config (and the two flags)", () => {
    for (const e of events.filter((x) => x.eventType === "action_started")) {
      expect(Object.keys(e.node.metadata)).toEqual(["config", "isExpandable", "isInline"]);
      expect(e.node.status).toBe("running");
      expect(e.node.endTimestamp).toBeUndefined();
    }
  });

  it("takes runtime match fields and references from the first attempt, as the sidecars show", () => {
    const byAction = new Map<string, (typeof sidecars.shots)[number]["sidecar"][]>();
    for (const { sidecar } of sidecars.shots) {
      if (!byAction.has(sidecar.action_id)) byAction.set(sidecar.action_id, []);
      byAction.get(sidecar.action_id)!.push(sidecar);
    }
    let firstNotFoundButSucceeded = 0;
    let withoutSize = 0;
    for (const e of completed()) {
      const m = e.node.metadata;
      expect(m.outcome!.retryCount).toBe(0);
      const attempts = byAction.get(e.node.id);
      if (e.node.name === "GO_TO_STATE") {
        expect(attempts).toBeUndefined();
        expect(m.screenshotReference).toBeUndefined();
        continue;
      }
      expect(attempts).toBeDefined();
      const first = attempts![0]!;
      expect(m.screenshotReference).toBe(`screenshots/${first.filename}`);
      expect(m.runtime!.imageId).toBe(first.image_id);
      expect(m.runtime!.found).toBe(first.found);
      if (!first.found) {
        expect(m.runtime!.confidence).toBe(0);
        expect(m.runtime!.location).toBeUndefined();
        if (e.node.status === "success") firstNotFoundButSucceeded++;
      }
      if (m.runtime!.location && m.runtime!.location.w === undefined) {
        withoutSize++;
        expect(m.visualDebugReference).toBeDefined();
      }
      if (m.visualDebugReference) {
        const debug = sidecars.debugs.find((d) => `debug_visuals/${d.sidecar.filename}` === m.visualDebugReference)!;
        expect(debug.sidecar.action_id).toBe(e.node.id);
        expect(debug.sidecar.match_info.image_id).toBe(first.image_id);
      }
      expect(m.stateContext!.activeBefore).toEqual([...first.active_states].sort());
    }
    expect(firstNotFoundButSucceeded).toBeGreaterThan(0);
    expect(withoutSize).toBeGreaterThan(0);
  });

  it("clicks at x + w//2, y + h//2 of the match", () => {
    const clicks = completed().filter((e) => e.node.metadata.runtime?.clickedAt);
    expect(clicks.length).toBeGreaterThan(3);
    for (const e of clicks) {
      expect(e.node.name).toBe("CLICK");
      const truthClick = truth.clicks.find((c) => c.nodeId === e.node.id)!;
      expect(truthClick).toMatchObject(e.node.metadata.runtime!.clickedAt!);
      const box = truth.templateBoxes.find((b) => b.reference === truthClick.matchReference);
      const loc = e.node.metadata.runtime!.location;
      const source = box?.bbox ?? (loc?.w ? [loc.x, loc.y, loc.w, loc.h!] : undefined);
      if (source) {
        const [x, y, w, h] = source;
        expect(e.node.metadata.runtime!.clickedAt).toEqual({ x: x + Math.floor(w / 2), y: y + Math.floor(h / 2) });
      }
    }
  });

  it("moves a parent action's timestamp to its first child's start", () => {
    const goTos = events.filter((e) => e.node.name === "GO_TO_STATE");
    expect(goTos.length).toBe(4);
    for (const done of goTos.filter((e) => e.eventType !== "action_started")) {
      const started = goTos.find((e) => e.eventType === "action_started" && e.node.id === done.node.id)!;
      const child = events.find((e) => e.eventType === "transition_started" && e.node.parentId === done.node.id)!;
      expect(done.node.timestamp).toBe(child.node.timestamp);
      expect(done.node.timestamp).toBeGreaterThan(started.node.timestamp);
      expect(done.node.metadata.isExpandable).toBe(true);
    }
    // The nested workflow is inline, under the transition.
    const nested = events.filter((e) => e.node.nodeType === "workflow" && e.node.metadata.isInline);
    expect(nested.length).toBeGreaterThan(0);
    for (const e of nested) expect(e.path.map((p) => p.nodeType)).toEqual(["workflow", "action", "transition", "workflow"]);
  });

  it("gives event boxes from runtime.location, the size from the debug sidecar when w/h are left out", () => {
    const boxes = [];
    for (const e of completed()) {
      const r = e.node.metadata.runtime;
      if (!r?.found || !r.location) continue;
      let { w, h } = r.location;
      if (w === undefined || h === undefined) {
        const debug = sidecars.debugs.find((d) => `debug_visuals/${d.sidecar.filename}` === e.node.metadata.visualDebugReference)!;
        ({ width: w, height: h } = debug.sidecar.match_info.template_size);
      }
      if (!w || !h) continue;
      boxes.push({ nodeId: e.node.id, reference: e.node.metadata.screenshotReference, bbox: [r.location.x, r.location.y, w, h], category: r.imageId });
    }
    expect(boxes.length).toBeGreaterThan(3);
    expect(truth.eventBoxes.map(({ nodeId, reference, bbox, category }) => ({ nodeId, reference, bbox, category }))).toEqual(boxes);
    for (const b of truth.eventBoxes) {
      expect(b.bbox[0] + b.bbox[2]).toBeLessThanOrEqual(1280);
      expect(b.bbox[1] + b.bbox[3]).toBeLessThanOrEqual(720);
      expect(path.isAbsolute(b.reference)).toBe(false);
    }
  });
});
