// The session as data, before any pixel or file: which screens are shown when, the tree of
// workflows, actions and transitions, every template-match attempt (screenshot, maybe a debug
// visual) and every grounding line. Everything random comes from one seeded stream, so the same
// options give the same plan.
import { seededRandom } from "@qontinui/export-core";
import { PAGE_STATES, layoutScreen, screenCatalog, uiScale } from "./screens.mjs";

export const DEFAULT_OPTIONS = Object.freeze({
  seed: 1,
  width: 1280,
  height: 720,
  actions: 12,
  distinctScreens: 6,
  jpegInPng: true,
  thumbnails: 0,
  debugVisuals: 0.6,
  unknownAttempts: 2,
  events: true,
  eventsForm: "camel",
  grounding: true,
  groundingLines: 10,
  groundingRotate: 0,
});

/** 2026-02-03T09:12:00Z, in microseconds: fixed, so the same seed gives the same bytes. */
const BASE_MICROS = Date.UTC(2026, 1, 3, 9, 12, 0) * 1000;
const DAY_MICROS = 86_400_000_000;

/** Where a template is said to have no pixels: the library still reports a match, 0x0. */
const EMPTY_TEMPLATE = "img-separator-empty";
/** Images that are never on screen: a FIND or CLICK for them fails after a few attempts. */
const MISSING_IMAGES = [
  ["img-toast-saved", 280, 48],
  ["img-error-banner", 420, 40],
  ["img-spinner-done", 32, 32],
];
/** An id longer than 100 characters once sanitised, with characters that are replaced. */
const LONG_ID = "Checkout \u00bb confirm order / step 7 :: click the very long named confirm-and-continue button in the payment dialog (retry-safe variant #";

export class SessionOptionsError extends RangeError {
  constructor(message) {
    super(`${message}. See SessionOptions in @qontinui/runner-sessions for the accepted values.`);
    this.name = "SessionOptionsError";
  }
}

/** Options with defaults filled in; throws SessionOptionsError on anything out of range. */
export function normalizeOptions(options = {}) {
  const o = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_OPTIONS)) throw new SessionOptionsError(`unknown option "${key}"`);
    o[key] = value;
  }
  const int = (key, min, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(o[key]) || o[key] < min || o[key] > max) throw new SessionOptionsError(`${key} must be an integer from ${min} to ${max}, got ${o[key]}`);
  };
  const fraction = (key) => {
    if (typeof o[key] !== "number" || !(o[key] >= 0 && o[key] <= 1)) throw new SessionOptionsError(`${key} must be a number from 0 to 1, got ${o[key]}`);
  };
  const bool = (key) => {
    if (typeof o[key] !== "boolean") throw new SessionOptionsError(`${key} must be true or false, got ${o[key]}`);
  };
  int("seed", -(2 ** 31), 2 ** 32 - 1);
  int("width", 320, 7680);
  int("height", 240, 4320);
  int("actions", 1, 100_000);
  int("distinctScreens", 1, 100_000);
  int("unknownAttempts", 0, 100_000);
  int("groundingLines", 0, 100_000);
  int("groundingRotate", 0, 1000);
  fraction("thumbnails");
  fraction("debugVisuals");
  for (const key of ["jpegInPng", "events", "grounding"]) bool(key);
  if (!["camel", "snake", "bridge"].includes(o.eventsForm)) throw new SessionOptionsError(`eventsForm must be "camel", "snake" or "bridge", got ${JSON.stringify(o.eventsForm)}`);
  return o;
}

/**
 * The runner's file-name form of an action id (screenshot_service._sanitize_filename):
 * characters other than letters, digits, "_" and "-" become "-", runs of "-" collapse, ends are
 * trimmed, the result is cut to 100 characters. Python's \w is Unicode-aware, so "é" stays.
 */
export function sanitizeActionId(actionId) {
  const replaced = String(actionId).replace(/[^\p{L}\p{N}_-]/gu, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "");
  return Array.from(replaced).slice(0, 100).join("");
}

export const pad4 = (n) => String(n).padStart(4, "0");
const round4 = (v) => Math.round(v * 10000) / 10000;
const title = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Builds the whole session plan.
 * @param {ReturnType<typeof normalizeOptions>} o
 */
export function planSession(o) {
  const random = seededRandom(o.seed);
  const between = (lo, hi) => lo + (hi - lo) * random();
  const micros = (loMs, hiMs) => Math.round(between(loMs, hiMs) * 1000);
  const chance = (p) => random() < p;
  const pick = (list) => list[Math.floor(random() * list.length)];
  const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const uuid4 = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;

  // ---------------------------------------------------------------- screens
  const specs = screenCatalog(o.distinctScreens, o.seed);
  const layouts = new Map();
  const layoutOf = (index) => {
    let layout = layouts.get(index);
    if (!layout) {
      layout = layoutScreen(specs[index], o.width, o.height);
      layouts.set(index, layout);
    }
    return layout;
  };
  const pages = specs.filter((s) => s.loadingOf === null).map((s) => s.index);
  const loadingFor = new Map(specs.filter((s) => s.loadingOf !== null).map((s) => [s.loadingOf, s.index]));
  const kindOf = (index) => specs[index].kind;

  /** Elements whose template is unique on the screen: a match for them is not ambiguous. */
  const targets = (index) => {
    const elements = layoutOf(index).elements;
    const count = new Map();
    for (const e of elements) count.set(e.templateId, (count.get(e.templateId) ?? 0) + 1);
    return elements.filter((e) => count.get(e.templateId) === 1 && e.id !== "window_close");
  };

  // ---------------------------------------------------------------- clock, sequence, tree
  let now = BASE_MICROS + micros(0, 3_600_000);
  let sequence = 1 + Math.floor(random() * 40);
  const nextSequence = () => {
    const s = sequence;
    // Log and status events share the counter, so tree events see gaps.
    sequence += 1 + (chance(0.15) ? 1 + Math.floor(random() * 3) : 0);
    return s;
  };
  const events = [];
  const nodes = [];
  const attempts = [];
  let debugCount = 0;

  const emit = (eventType, node, phase) => {
    now += micros(0.05, 0.4);
    events.push({ eventType, node, phase, at: now, sequence: nextSequence() });
  };

  const startNode = (parent, fields) => {
    const node = {
      parentId: parent ? parent.id : null,
      path: [...(parent ? parent.path : []), { id: fields.id, name: fields.name, nodeType: fields.nodeType }],
      depth: parent ? parent.depth + 1 : 0,
      workflowName: null,
      config: {},
      isExpandable: false,
      isInline: false,
      startedAt: now,
      timestamp: now,
      endTimestamp: null,
      status: "running",
      error: null,
      children: 0,
      ...fields,
    };
    if (parent) {
      // ExecutionNode.add_child: an action's timestamp moves to its first child's start.
      if (parent.nodeType === "action" && parent.children === 0) parent.timestamp = node.timestamp;
      parent.children++;
      node.workflowName = parent.nodeType === "workflow" ? parent.id : parent.workflowName;
    }
    nodes.push(node);
    emit(`${node.nodeType}_started`, node, "started");
    return node;
  };

  const endNode = (node, success, error = null) => {
    now += micros(0.2, 2);
    node.endTimestamp = now;
    node.status = success ? "success" : "failed";
    node.error = success ? null : error;
    emit(`${node.nodeType}_${success ? "completed" : "failed"}`, node, "ended");
  };

  // ---------------------------------------------------------------- attempts
  const thresholds = [0.85, 0.85, 0.85, 0.8, 0.9];
  let emptyTemplateUsed = false;

  /** One template-match attempt: a screenshot (+ sidecar) and maybe a debug visual. */
  const addAttempt = (owner, activeStates, screen, imageId, match, found, { size, forceDebug = false, confidence } = {}) => {
    const number = attempts.length + 1;
    // One timestamp on a whole second: Python's isoformat() then writes no fraction.
    if (number === 3) now = Math.ceil(now / 1_000_000) * 1_000_000;
    const actionId = owner ? owner.id : "unknown";
    const attempt = {
      number,
      filename: `screenshot-${pad4(number)}.png`,
      reference: `screenshots/screenshot-${pad4(number)}.png`,
      actionId,
      owner,
      activeStates: [...activeStates],
      at: now,
      imageId,
      found,
      confidence: found ? confidence ?? round4(between(0.86, 0.995)) : 0,
      threshold: pick(thresholds),
      location: found && match ? { x: match.x, y: match.y } : null,
      templateSize: size ?? { width: match ? match.w : 0, height: match ? match.h : 0 },
      screen,
      thumbnail: random() < o.thumbnails,
      debug: null,
    };
    // The session's first attempt never has a debug visual, so debug numbers always lag
    // screenshot numbers: a reader pairing them by number is wrong on every one.
    const withDebug = forceDebug || (number > 1 && random() < o.debugVisuals);
    if (withDebug && number > 1) {
      debugCount++;
      const sid = sanitizeActionId(actionId);
      const filename = `debug-${pad4(debugCount)}-action-${sid}.png`;
      attempt.debug = { number: debugCount, filename, reference: `debug_visuals/${filename}`, at: now + micros(0.2, 1.8), sid };
    }
    attempts.push(attempt);
    if (owner) owner.attempts.push(attempt);
    return attempt;
  };

  // ---------------------------------------------------------------- the walk
  // Every visit of a page takes one regular action at least, or a GO_TO_STATE (two nodes: itself
  // and its nested click) as its exit; the last visit has no exit.
  const actionCount = o.actions;
  const firstGuess = Math.min(pages.length, actionCount);
  let goTos = o.unknownAttempts > 0 && actionCount >= 3 && firstGuess >= 2 ? Math.max(1, Math.min(o.unknownAttempts, Math.floor(actionCount / 6), firstGuess - 1)) : 0;
  const visitsCount = Math.min(pages.length, actionCount - goTos);
  goTos = Math.min(goTos, visitsCount - 1);
  const visits = pages.slice(0, visitsCount);
  // Exits (visit i -> i+1) taken through GO_TO_STATE, spread over the session.
  const goToExits = new Set();
  for (let j = 0; j < goTos; j++) goToExits.add(Math.min(visitsCount - 2, Math.floor(((j + 0.5) * (visitsCount - 1)) / goTos)));
  const unknownPerGoTo = [...goToExits].map((_, j) => Math.floor(o.unknownAttempts / goTos) + (j < o.unknownAttempts % goTos ? 1 : 0));
  // Regular actions per visit: every visit but a GO_TO_STATE exit needs one (its exit click).
  const regular = actionCount - 2 * goToExits.size;
  const perVisit = visits.map((_, i) => (goToExits.has(i) ? 0 : 1));
  let left = regular - perVisit.reduce((a, b) => a + b, 0);
  while (left > 0) {
    perVisit[Math.floor(random() * visitsCount)]++;
    left--;
  }

  const root = startNode(null, {
    id: `wf-${hex(8)}`,
    nodeType: "workflow",
    name: pick(["Nightly regression", "Smoke test", "Invoice export flow", "Onboarding check"]),
    isExpandable: true,
  });
  root.workflowName = root.id;

  let page = visits[0];
  let display = loadingFor.get(page) ?? page;
  let states = [...PAGE_STATES[kindOf(page)]];
  let pointer = { x: Math.round(o.width / 2), y: Math.round(o.height / 2) };
  let actionSerial = 0;
  let loginStep = 0;
  let appMenuClicked = false;
  let cafeTyped = false;
  let longIdUsed = false;
  let anyFailed = false;

  const actionId = (name, element) => {
    actionSerial++;
    if (kindOf(page) === "login") return `wf/login:step ${++loginStep}`;
    if (!longIdUsed && actionSerial >= 5) {
      longIdUsed = true;
      return `${LONG_ID}${actionSerial})`;
    }
    if (element && element.id === "cafe_field" && !cafeTyped) {
      cafeTyped = true;
      return `type-nom_du_café-${actionSerial}`;
    }
    return `${name.toLowerCase()}-${element ? element.id.replace(/_/g, "-") : "missing"}-${actionSerial}`;
  };

  const typedTextFor = (element) => {
    if (element.id === "username_field") return "alice@example.com";
    if (element.id === "password_field") return "hunter22";
    if (element.id === "cafe_field") return "Café Lumière";
    if (element.id === "email_field") return "alice.martin@example.com";
    if (element.id === "search_field") return pick(["invoice", "quarterly report", "refund 2024", "northwind"]);
    return pick(["Alice Martin", "Q3 summary", "ok", "Ready for review"]);
  };

  const center = (a, size) => ({ x: a.location.x + Math.floor(size.width / 2), y: a.location.y + Math.floor(size.height / 2) });

  /**
   * A CLICK, TYPE or FIND on the current page. `exitTo` makes the click leave for that page.
   * Attempts: retries while a loading screen shows, an alternative pattern first, a check after.
   */
  const runAction = (parent, name, element, { exitTo = null, mayFail = true, verify = false } = {}) => {
    const failing = mayFail && exitTo === null && name !== "TYPE" && chance(0.05);
    const missing = failing ? pick(MISSING_IMAGES) : null;
    const main = missing ? missing[0] : element.templateId;
    const alternates = !missing && display === page && chance(0.4) ? (chance(0.35) ? 2 : 1) : 0;
    const alt = alternates > 0;
    const imageIds = () => [...(alternates > 0 ? [`${main}-alt`] : []), ...(alternates > 1 ? [`${main}-hidpi`] : []), main];
    const config =
      name === "FIND"
        ? { target: { type: "image", imageIds: imageIds() }, similarity: 0.85 }
        : name === "CLICK"
          ? { target: { type: "image", imageIds: imageIds() }, mouseButton: "LEFT", numberOfClicks: 1 }
          : { target: { type: "image", imageIds: [main] }, text: typedTextFor(element) };
    const node = startNode(parent, {
      id: actionId(name, missing ? null : element),
      nodeType: "action",
      name,
      config,
      attempts: [],
      activeBefore: [...states],
      displayAtStart: display,
      pointerAtStart: { ...pointer },
      element,
      typedText: name === "TYPE" ? config.text : null,
      clickedAt: null,
      omitSize: false,
      isTransitionClick: exitTo !== null,
    });
    const before = node.activeBefore;
    now += micros(4, 25);
    let success = true;
    let hit = null;
    if (missing) {
      const tries = 2 + (chance(0.5) ? 1 : 0);
      for (let i = 0; i < tries; i++) {
        if (i > 0) now += micros(250, 600);
        addAttempt(node, before, display, missing[0], null, false, { size: { width: missing[1], height: missing[2] } });
      }
      success = false;
    } else {
      const sameOnLoading = (e) => e.templateId === main && e.x === element.x && e.y === element.y && e.w === element.w && e.h === element.h;
      if (display !== page && layoutOf(display).elements.some(sameOnLoading)) {
        // The element is part of the window chrome the loading screen already shows: found there.
        hit = addAttempt(node, before, display, main, element, true);
        display = page;
      } else if (display !== page) {
        // The page is still loading: the first attempts see the loading screen.
        const tries = 1 + (chance(0.4) ? 1 : 0);
        for (let i = 0; i < tries; i++) {
          if (i > 0) now += micros(350, 800);
          addAttempt(node, before, display, main, element, false);
        }
        now += micros(350, 800);
        display = page;
      } else if (alt) {
        // Alternative patterns first (another theme, another DPI): not on this unchanged screen.
        for (let i = 0; i < alternates; i++) {
          addAttempt(node, before, display, i === 0 ? `${main}-alt` : `${main}-hidpi`, element, false);
          now += micros(100, 300);
        }
      }
      if (!hit) hit = addAttempt(node, before, display, main, element, true);
      // Checks: the same or other elements looked for again on the unchanged screen.
      const r = random();
      const checks = exitTo !== null ? 0 : r < 0.08 ? 0 : r < 0.28 ? 1 : r < 0.58 ? 2 : r < 0.82 ? 3 : 4;
      for (let c = 0; c < checks; c++) {
        now += micros(150, 400);
        const others = targets(page).filter((e) => e.templateId !== main);
        if (!emptyTemplateUsed && others.length > 0) {
          // A template with no pixels: found, 0x0. A box reader must skip it.
          emptyTemplateUsed = true;
          const at = others[0];
          addAttempt(node, before, display, EMPTY_TEMPLATE, at, true, { size: { width: 0, height: 0 }, forceDebug: true, confidence: 1 });
        } else if (others.length > 0 && chance(0.6)) {
          const other = others[Math.floor(random() * others.length)];
          addAttempt(node, before, display, other.templateId, other, true);
        } else {
          addAttempt(node, before, display, main, element, true);
        }
      }
    }
    if (name === "CLICK" && hit) {
      node.clickedAt = center(hit, hit.templateSize);
      node.clickedFrom = hit;
      pointer = { ...node.clickedAt };
      now += micros(60, 200);
    } else if (name === "TYPE") {
      now += micros(30, 45) * config.text.length + micros(20, 60);
    } else {
      now += micros(10, 40);
    }
    if (success && exitTo !== null) {
      page = exitTo;
      display = loadingFor.get(exitTo) ?? exitTo;
      states = [...PAGE_STATES[kindOf(exitTo)]];
      if (chance(0.6) || verify) {
        // The click verifies its effect: the next page's own content, maybe still loading.
        const check = stateImage(page);
        now += micros(300, 700);
        if (display !== page) {
          addAttempt(node, before, display, check.templateId, check, false);
          now += micros(400, 800);
          display = page;
        }
        addAttempt(node, before, display, check.templateId, check, true);
        now += micros(10, 40);
      }
    }
    node.activeAfter = [...states];
    if (!success) anyFailed = true;
    const first = node.attempts[0];
    if (first && first.found && first.debug && chance(0.35)) node.omitSize = true;
    endNode(node, success, success ? null : `Pattern '${main}' not found within ${node.attempts.length} attempts`);
    // gui_automation sleeps 0.5 s between the actions of a workflow.
    now += 500_000 + micros(5, 60);
    return node;
  };

  const chooseTarget = (name) => {
    const list = targets(page);
    if (name === "TYPE") {
      const fields = list.filter((e) => e.typeable);
      if (fields.length) return fields[Math.floor(random() * fields.length)];
      return null;
    }
    if (name === "CLICK") {
      const clickable = list.filter((e) => e.clickable);
      if (!appMenuClicked && kindOf(page) !== "login" && display === page) {
        const menu = clickable.find((e) => e.id === "app_menu");
        if (menu) {
          appMenuClicked = true;
          return menu;
        }
      }
      if (clickable.length) return clickable[Math.floor(random() * clickable.length)];
    }
    return list[Math.floor(random() * list.length)] ?? null;
  };

  const exitTarget = (nextPage) => {
    const list = targets(page).filter((e) => e.clickable);
    return list.find((e) => e.id === `nav_${kindOf(nextPage)}`) ?? list.find((e) => e.primary) ?? list[0] ?? layoutOf(page).elements[0];
  };

  const regularAction = (parent, exitTo) => {
    if (exitTo !== null) return runAction(parent, "CLICK", exitTarget(exitTo), { exitTo });
    let name = pick(["CLICK", "CLICK", "FIND", "FIND", "TYPE", "TYPE"]);
    let element = chooseTarget(name);
    if (display !== page && element && chrome.test(element.id)) {
      // While the page loads, look for its own content: the retry shows the screen change.
      const own = targets(page).filter((e) => !chrome.test(e.id) && (name !== "TYPE" || e.typeable));
      if (own.length) element = own[Math.floor(random() * own.length)];
    }
    if (!element && name === "TYPE") {
      name = "FIND";
      element = chooseTarget(name);
    }
    if (!element) element = layoutOf(page).elements[0];
    return runAction(parent, name, element);
  };

  // The state check looks for something of the page's own content, which a loading screen
  // does not show yet (the window chrome and sidebar it does).
  const chrome = /^(nav_|app_menu$|window_close$|notifications$|account$)/;
  const stateImage = (index) => {
    const own = targets(index).filter((e) => !chrome.test(e.id));
    return own.find((e) => e.primary) ?? own.find((e) => e.role === "img") ?? own[0] ?? layoutOf(index).elements[0];
  };
  const primaryState = (index) => PAGE_STATES[kindOf(index)].find((s) => s !== "MainWindow") ?? PAGE_STATES[kindOf(index)][0];

  let goToSerial = 0;
  visits.forEach((visitPage, v) => {
    page = visitPage;
    const last = v === visitsCount - 1;
    const next = last ? null : visits[v + 1];
    const viaGoTo = goToExits.has(v);
    const count = perVisit[v];
    for (let i = 0; i < count; i++) {
      const exit = !last && !viaGoTo && i === count - 1 ? next : null;
      regularAction(root, exit);
    }
    if (viaGoTo) {
      const unknown = unknownPerGoTo[goToSerial];
      goToSerial++;
      const target = PAGE_STATES[kindOf(next)];
      const goTo = startNode(root, {
        id: `goto-${kindOf(next)}-${++actionSerial}`,
        nodeType: "action",
        name: "GO_TO_STATE",
        config: { stateNames: [primaryState(next)], stateIds: [`state-${kindOf(next)}`] },
        isExpandable: true,
        attempts: [],
        activeBefore: [...states],
        displayAtStart: display,
        pointerAtStart: { ...pointer },
        clickedAt: null,
        omitSize: false,
      });
      now += micros(2, 10);
      const transition = startNode(goTo, {
        id: `transition-${hex(6)}`,
        nodeType: "transition",
        name: `outgoing (${states.join(", ")} \u2192 ${target.join(", ")})`,
        isExpandable: true,
        sourceStates: [...states],
        targetStates: [...target],
      });
      const nested = startNode(transition, {
        id: `wf-nav-${kindOf(next)}-${goToSerial}`,
        nodeType: "workflow",
        name: `Open ${title(kindOf(next))}`,
        isExpandable: true,
        isInline: true,
      });
      now += micros(3, 12);
      const click = runAction(nested, "CLICK", exitTarget(next), { exitTo: next, mayFail: false, verify: true });
      endNode(nested, click.status === "success");
      endNode(transition, click.status === "success");
      // The nested action's record cleared the collector's buffer: the state checks that
      // follow belong to no action ("unknown") and carry no active states.
      const check = stateImage(page);
      for (let k = 0; k < unknown; k++) {
        now += micros(150, 400);
        if (display !== page) {
          addAttempt(null, [], display, check.templateId, check, false);
          display = page;
        } else {
          addAttempt(null, [], display, check.templateId, check, true);
        }
      }
      goTo.activeAfter = [...states];
      goTo.goTo = { sourceStates: goTo.activeBefore, targetStates: target, targetsReached: target, transitionsExecuted: [transition.id] };
      now += micros(5, 30);
      endNode(goTo, true);
      now += 500_000 + micros(5, 60);
    }
  });
  // ExecutionTree.end_workflow: a failed child fails the workflow, named in the error.
  const failedChild = nodes.find((n) => n.parentId === root.id && n.status === "failed");
  endNode(root, !anyFailed, failedChild ? `Child '${failedChild.name}' failed` : null);

  // At least one action leaves w/h out of runtime.location (when any first attempt has a debug visual).
  const actions = nodes.filter((n) => n.nodeType === "action");
  if (!actions.some((n) => n.omitSize)) {
    const candidate = actions.find((n) => n.attempts[0]?.found && n.attempts[0].debug);
    if (candidate) candidate.omitSize = true;
  }

  const grounding = o.grounding ? planGrounding(o, { random, actions, pages, layoutOf, uuid4, micros }) : { lines: [] };
  return { options: o, specs, layouts, layoutOf, nodes, events, attempts, grounding, root };
}

/**
 * Grounding lines: static ones (an earlier UI-Bridge capture: no action, CSS viewports that can
 * be narrower than the image) first, then dynamic ones (the screen just before an action, the
 * pointer in it, OmniParser regions or none). Each line has its own image: the writer drops a
 * line whose image is already stored, so no two planned captures are identical.
 */
function planGrounding(o, { random, actions, pages, layoutOf, uuid4, micros }) {
  const total = o.groundingLines;
  const leafActions = actions.filter((n) => n.name !== "GO_TO_STATE");
  const k = uiScale(o.width, o.height);
  const fullCss = Math.round(o.width / k);
  const viewports = [...new Set([fullCss, 1024, 768].filter((v) => v <= fullCss))];
  // Every (page, viewport) once; the first round gives each page another viewport.
  const combos = [];
  for (let m = 0; m < viewports.length; m++) pages.forEach((page, p) => combos.push([page, viewports[(m + p) % viewports.length]]));

  // Dynamic: evenly spread over the session's actions, the app-menu click (its 50x50 target
  // box sticks out of the screen) always among them, no two with the same image.
  const wantStatic = total >= 2 ? Math.min(combos.length, Math.max(1, Math.round(total * 0.3))) : 0;
  const dynamicCount = total - wantStatic;
  const chosen = [];
  const keys = new Set();
  const keyOf = (n) => `${n.displayAtStart}:${n.pointerAtStart.x}:${n.pointerAtStart.y}`;
  const take = (n) => {
    if (!n || chosen.includes(n) || keys.has(keyOf(n)) || chosen.length >= dynamicCount) return;
    chosen.push(n);
    keys.add(keyOf(n));
  };
  take(leafActions.find((n) => n.element && n.element.id === "app_menu" && n.clickedAt));
  for (let j = 0; j < dynamicCount; j++) take(leafActions[Math.floor(((j + 0.5) * leafActions.length) / dynamicCount)]);
  for (const n of leafActions) take(n);
  chosen.sort((a, b) => a.startedAt - b.startedAt);
  const staticCount = Math.min(combos.length, total - chosen.length);

  const lines = [];
  const staticStart = BASE_MICROS - DAY_MICROS + micros(0, 3_600_000);
  for (let j = 0; j < staticCount; j++) {
    const [screen, viewport] = staticCount <= pages.length ? combos[Math.floor(((j + 0.5) * pages.length) / staticCount)] : combos[j];
    const clip = Math.min(o.width, Math.round(viewport * k));
    const elements = layoutOf(screen)
      .elements.filter((e) => e.x + e.w <= clip)
      .map((e) => ({ role: e.role, text: e.text || undefined, bbox: [e.x, e.y, e.w, e.h], interactable: e.clickable || e.typeable }));
    lines.push({
      source: "static",
      screen,
      pointer: null,
      clip,
      viewportWidth: viewport,
      viewportHeight: o.height,
      elements,
      action: null,
      at: staticStart + j * micros(3000, 5000),
      sessionId: null,
      phash: true,
    });
  }

  let sessionId = uuid4();
  chosen.forEach((n, j) => {
    if (j > 0 && j % 500 === 0) sessionId = uuid4(); // the logger stops at 500 lines a session
    const omniparser = j % 3 !== 2;
    const screenElements = layoutOf(n.displayAtStart).elements.filter((e) => e.clickable || e.typeable);
    const click = n.clickedAt;
    let success;
    let successSource;
    if (click) {
      successSource = "pixel_diff";
      success = n.isTransitionClick || (n.element && n.element.role === "checkbox") || random() < 0.3;
    } else {
      successSource = "record_flag";
      success = n.status === "success";
    }
    lines.push({
      source: "dynamic",
      screen: n.displayAtStart,
      pointer: n.pointerAtStart,
      clip: o.width,
      viewportWidth: o.width,
      viewportHeight: o.height,
      elements: omniparser ? screenElements.map((e) => ({ role: "interactive", bbox: [e.x, e.y, e.w, e.h], interactable: true })) : [],
      action: {
        type: n.name.toLowerCase(),
        target_bbox: click ? [click.x - 25, click.y - 25, 50, 50] : undefined,
        typed_text: n.typedText ?? undefined,
        success,
        success_source: successSource,
      },
      at: n.endTimestamp + micros(3, 20),
      sessionId,
      nodeId: n.id,
      phash: false,
    });
  });
  return { lines };
}

/** Spreads `count` lines over `parts` rotated files + the current one, oldest first. */
export function rotationChunks(count, rotate) {
  const files = Math.min(rotate, Math.max(0, count - 1)) + 1;
  const chunks = [];
  let start = 0;
  for (let f = 0; f < files; f++) {
    const size = Math.floor(count / files) + (f < count % files ? 1 : 0);
    chunks.push([start, start + size]);
    start += size;
  }
  return chunks.map((range, f) => ({ file: f === files - 1 ? "grounding.jsonl" : `grounding.${f + 1}.jsonl`, range }));
}
