// What a correct reader must find in the session. Boxes are derived with the spec's own rules
// from the data as written (not from how the generator meant it), then checked against the
// generator's intent: a disagreement is a bug here, so it throws.

export class TruthError extends Error {
  constructor(message) {
    super(`${message} (a bug in @qontinui/runner-sessions: please report it with the options used)`);
    this.name = "TruthError";
  }
}

const scaleBox = (bbox, fromW, fromH, toW, toH) => {
  if (fromW === toW && fromH === toH) return [...bbox];
  const sx = toW / fromW;
  const sy = toH / fromH;
  return [Math.round(bbox[0] * sx), Math.round(bbox[1] * sy), Math.round(bbox[2] * sx), Math.round(bbox[3] * sy)];
};

/**
 * Spec A, "Joins": the latest screenshot at or before the debug visual's timestamp with the same
 * action_id, image_id and found; ordered by timestamp, then by number.
 */
export function pairDebugVisual(debugAttempt, attempts) {
  let best = null;
  for (const s of attempts) {
    if (s.actionId !== debugAttempt.actionId || s.imageId !== debugAttempt.imageId || s.found !== debugAttempt.found) continue;
    if (s.at > debugAttempt.debug.at) continue;
    if (!best || s.at > best.at || (s.at === best.at && s.number > best.number)) best = s;
  }
  return best;
}

export function buildTruth(plan, { runData, eventsFile, groundingDir, grounding, thumbnail }) {
  const o = plan.options;
  const sizeOf = (a) => (a.thumbnail ? thumbnail : { width: o.width, height: o.height });
  const byReference = new Map(plan.attempts.map((a) => [a.reference, a]));

  const screenshots = plan.attempts.map((a) => ({
    reference: a.reference,
    actionId: a.actionId,
    imageId: a.imageId,
    found: a.found,
    ...sizeOf(a),
    jpeg: !a.thumbnail && o.jpegInPng,
    thumbnail: a.thumbnail,
    number: a.number,
    screen: a.screen,
  }));

  const debugVisuals = [];
  const templateBoxes = [];
  for (const a of plan.attempts) {
    if (!a.debug) continue;
    const paired = pairDebugVisual(a, plan.attempts);
    if (paired !== a) throw new TruthError(`debug visual ${a.debug.reference} pairs with ${paired ? paired.reference : "nothing"} by the spec's rule, but was drawn from ${a.reference}`);
    if (a.debug.number === a.number) throw new TruthError(`debug visual ${a.debug.reference} has the number of its screenshot`);
    debugVisuals.push({ reference: a.debug.reference, number: a.debug.number, screenshot: a.reference, actionId: a.actionId, imageId: a.imageId, found: a.found, templateSize: { ...a.templateSize } });
    if (!a.found || a.templateSize.width === 0 || a.templateSize.height === 0) continue;
    const bbox = [a.location.x, a.location.y, a.templateSize.width, a.templateSize.height];
    const image = sizeOf(a);
    templateBoxes.push({ reference: a.reference, bbox, category: a.imageId, debug: a.debug.reference, imageBbox: scaleBox(bbox, o.width, o.height, image.width, image.height) });
  }

  const eventBoxes = [];
  const clicks = [];
  if (eventsFile) {
    for (const node of plan.nodes) {
      if (node.nodeType !== "action") continue;
      const first = node.attempts?.[0];
      if (first && first.found) {
        // camel/snake carry w/h unless left out; the bridge's match_summary never does.
        const sizeInEvent = o.eventsForm !== "bridge" && !node.omitSize;
        const sizeInDebug = first.debug && first.templateSize.width > 0 && first.templateSize.height > 0;
        if (sizeInEvent || sizeInDebug) {
          const bbox = [first.location.x, first.location.y, first.templateSize.width, first.templateSize.height];
          const image = sizeOf(first);
          eventBoxes.push({ nodeId: node.id, reference: first.reference, bbox, category: first.imageId, sizeFrom: sizeInEvent ? "event" : "debug", imageBbox: scaleBox(bbox, o.width, o.height, image.width, image.height) });
        }
      }
      if (node.clickedAt && first) {
        clicks.push({ nodeId: node.id, reference: first.reference, x: node.clickedAt.x, y: node.clickedAt.y, matchReference: node.clickedFrom.reference });
      }
    }
  }

  const groundingBoxes = [];
  const groundingLines = [];
  (grounding ?? []).forEach(({ line, record, file }, index) => {
    groundingLines.push({ index, file, imagePath: record.image_path, source: record.source, elements: record.elements.length, nodeId: line.nodeId });
    for (const e of record.elements) {
      const box = { imagePath: record.image_path, bbox: [...e.bbox], role: e.role };
      if (e.text) box.text = e.text;
      groundingBoxes.push(box);
    }
  });

  for (const box of [...templateBoxes, ...eventBoxes]) {
    if (!byReference.has(box.reference)) throw new TruthError(`box refers to ${box.reference}, which was not written`);
  }

  const actions = plan.nodes.filter((n) => n.nodeType === "action");
  return {
    runData,
    eventsFile,
    groundingDir,
    options: { ...o },
    screenSize: { width: o.width, height: o.height },
    screenshots,
    debugVisuals,
    templateBoxes,
    eventBoxes,
    clicks,
    groundingBoxes,
    groundingLines,
    counts: {
      screenshots: plan.attempts.length,
      debugVisuals: debugVisuals.length,
      unknownAttempts: plan.attempts.filter((a) => a.actionId === "unknown").length,
      actions: actions.length,
      failedActions: actions.filter((n) => n.status === "failed").length,
      events: eventsFile ? plan.events.length : 0,
      groundingLines: groundingLines.length,
      distinctScreensDrawn: new Set(plan.attempts.map((a) => a.screen)).size,
    },
  };
}
