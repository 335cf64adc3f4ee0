// The review page: plain DOM and an SVG overlay, no framework, nothing from elsewhere.
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const token = document.querySelector('meta[name="review-token"]').content;
  // The token leaves the address bar (it stays in the page and an HttpOnly cookie for images).
  history.replaceState(null, "", "/");
  const $ = (id) => document.getElementById(id);
  const canvas = $("canvas");
  const boxesLayer = $("boxes");
  const picture = $("picture");

  const state = {
    session: null,
    queue: [],
    pos: 0,
    image: null,
    selected: -1,
    drawing: false,
    drawCategory: null,
    busy: false,
  };

  function status(text, error = false) {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("error", error);
  }

  async function api(path, body) {
    const init = { headers: { "x-review-token": token } };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.error || `${res.status} ${res.statusText}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  const colour = (id) => `hsl(${Math.round((id * 137.508) % 360)}, 85%, 58%)`;
  const categoryId = (box) => (typeof box.category_id === "number" ? box.category_id : 0);

  function showProgress(p) {
    $("progress").textContent = `${p.reviewed}/${p.images} images reviewed · ${p.unverified}/${p.boxes} boxes unverified`;
  }

  async function loadSession() {
    state.session = await api("/api/session");
    const cat = document.querySelector('#filters [name="category"]');
    for (const c of state.session.categories) cat.append(new Option(c.name, c.name));
    const src = document.querySelector('#filters [name="source"]');
    for (const s of state.session.sources) src.append(new Option(s, s));
    state.drawCategory = state.session.categories[0]?.name ?? null;
    showProgress(state.session.progress);
  }

  async function loadQueue() {
    const params = new URLSearchParams(new FormData($("filters")));
    const data = await api(`/api/queue?${params}`);
    state.queue = data.items;
    state.pos = 0;
    showProgress(data.progress);
    renderQueue();
    if (state.queue.length > 0) await loadImage();
    else {
      state.image = null;
      render();
      status("no image matches these filters");
    }
  }

  function renderQueue() {
    const list = $("queue-list");
    list.replaceChildren();
    // A window around the current image: 10,000 rows would be 10,000 DOM nodes for nothing.
    const from = Math.max(0, state.pos - 20);
    const to = Math.min(state.queue.length, from + 120);
    for (let i = from; i < to; i++) {
      const item = state.queue[i];
      const li = document.createElement("li");
      li.dataset.pos = String(i);
      li.className = (i === state.pos ? "current " : "") + (item.reviewed ? "reviewed" : "");
      const name = document.createElement("span");
      name.textContent = `${i + 1}. ${item.id.slice(0, 8)}`;
      const conf = document.createElement("span");
      conf.textContent = item.minConfidence === null ? (item.reviewed ? "✓" : "·") : item.minConfidence.toFixed(2);
      li.append(name, conf);
      li.addEventListener("click", () => go(i));
      list.append(li);
    }
    list.querySelector(".current")?.scrollIntoView({ block: "nearest" });
  }

  async function loadImage() {
    const item = state.queue[state.pos];
    if (!item) return;
    const image = await api(`/api/images/${item.id}`);
    state.image = image;
    state.selected = firstUndecided();
    canvas.setAttribute("viewBox", `0 0 ${image.width} ${image.height}`);
    picture.setAttribute("width", image.width);
    picture.setAttribute("height", image.height);
    picture.setAttribute("href", `/api/images/${image.id}/file`);
    // The next image, fetched ahead while this one is looked at.
    const next = state.queue[state.pos + 1];
    if (next) new Image().src = `/api/images/${next.id}/file`;
    render();
    renderQueue();
  }

  function firstUndecided() {
    const boxes = state.image?.boxes ?? [];
    const i = boxes.findIndex((b) => b.verified !== true);
    return i >= 0 ? i : boxes.length > 0 ? 0 : -1;
  }

  /** Image pixels per screen pixel (handles keep a constant size on screen). */
  function unitsPerPixel() {
    const ctm = canvas.getScreenCTM();
    return ctm ? 1 / ctm.a : 1;
  }

  function toImage(evt) {
    const pt = canvas.createSVGPoint();
    pt.x = evt.clientX;
    pt.y = evt.clientY;
    const p = pt.matrixTransform(canvas.getScreenCTM().inverse());
    return { x: p.x, y: p.y };
  }

  function render() {
    boxesLayer.replaceChildren();
    const image = state.image;
    $("image-title").textContent = image ? `${state.pos + 1}/${state.queue.length} · ${image.id} · ${image.width}×${image.height}${image.reviewed ? " · reviewed" : ""}` : "";
    $("mode").textContent = state.drawing ? `drawing a ${state.drawCategory ?? "?"} box: drag on the image (Esc cancels)` : "";
    canvas.classList.toggle("drawing", state.drawing);
    renderPanel();
    if (!image) return;
    const u = unitsPerPixel();
    image.boxes.forEach((box, i) => {
      const [x, y, w, h] = box.bbox;
      const g = document.createElementNS(SVG, "g");
      g.setAttribute("class", `box${i === state.selected ? " selected" : ""}`);
      g.dataset.index = String(i);
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("class", `box-rect${box.verified === true ? "" : " unverified"}`);
      Object.entries({ x, y, width: w, height: h }).forEach(([k, v]) => rect.setAttribute(k, v));
      rect.setAttribute("stroke", colour(categoryId(box)));
      rect.dataset.index = String(i);
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${box.category_name} ${Number(box.confidence).toFixed(2)} ${box.source}${box.verified ? " (verified)" : ""}`;
      rect.append(title);
      g.append(rect);
      if (i === state.selected) {
        const t = 8 * u;
        const handles = {
          left: [x - t / 2, y, t, h],
          right: [x + w - t / 2, y, t, h],
          top: [x, y - t / 2, w, t],
          bottom: [x, y + h - t / 2, w, t],
        };
        for (const [edge, [hx, hy, hw, hh]] of Object.entries(handles)) {
          const handle = document.createElementNS(SVG, "rect");
          handle.setAttribute("class", `handle ${edge}`);
          handle.dataset.edge = edge;
          handle.dataset.index = String(i);
          Object.entries({ x: hx, y: hy, width: hw, height: hh }).forEach(([k, v]) => handle.setAttribute(k, v));
          g.append(handle);
        }
      }
      boxesLayer.append(g);
    });
  }

  function renderPanel() {
    const list = $("box-list");
    list.replaceChildren();
    if (!state.image) return;
    state.image.boxes.forEach((box, i) => {
      const li = document.createElement("li");
      li.className = i === state.selected ? "selected" : "";
      li.dataset.index = String(i);
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour(categoryId(box));
      const select = document.createElement("select");
      select.className = "category";
      for (const c of state.session.categories) select.append(new Option(c.name, c.name, false, c.name === box.category_name));
      select.addEventListener("change", () => decide("edit", i, { category: select.value }));
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = `conf ${Number(box.confidence).toFixed(2)} · ${box.source} · [${box.bbox.map((v) => Math.round(v)).join(", ")}]${box.review_status && box.review_status !== "pending" ? ` · ${box.review_status}` : ""}`;
      const verified = document.createElement("span");
      verified.className = box.verified === true ? "verified" : "";
      verified.textContent = box.verified === true ? " verified" : " unverified";
      const accept = document.createElement("button");
      accept.textContent = "accept";
      accept.addEventListener("click", () => decide("accept", i));
      const reject = document.createElement("button");
      reject.textContent = "reject";
      reject.addEventListener("click", () => decide("reject", i));
      const flag = document.createElement("button");
      flag.textContent = "flag";
      flag.title = "keep the box but mark it doubtful (F)";
      flag.addEventListener("click", () => decide("flag", i));
      li.append(swatch, select, verified, meta, accept, document.createTextNode(" "), reject, document.createTextNode(" "), flag);
      li.addEventListener("click", (e) => {
        if (e.target === li || e.target === meta) select_(i);
      });
      list.append(li);
    });
  }

  function select_(i) {
    state.selected = i;
    render();
  }

  async function run(what, fn) {
    if (state.busy) return;
    state.busy = true;
    try {
      await fn();
    } catch (e) {
      status(`${what}: ${e.message}`, true);
      // Someone else changed the image: show it as it is now.
      if (e.status === 409 && state.queue[state.pos]) await loadImage().catch(() => {});
    } finally {
      state.busy = false;
    }
  }

  function applyResult(result, message) {
    const keep = state.selected;
    state.image = result.image;
    const item = state.queue[state.pos];
    if (item) {
      item.reviewed = result.image.reviewed;
      item.unverified = result.image.boxes.filter((b) => b.verified !== true).length;
      item.boxes = result.image.boxes.length;
      const conf = result.image.boxes.filter((b) => b.verified !== true).map((b) => b.confidence);
      item.minConfidence = conf.length ? Math.min(...conf) : null;
    }
    const boxes = result.image.boxes;
    const undecided = boxes.findIndex((b, i) => b.verified !== true && i >= Math.min(keep, boxes.length - 1));
    state.selected = undecided >= 0 ? undecided : firstUndecided();
    if (state.selected >= boxes.length) state.selected = boxes.length - 1;
    status(message);
    if (result.progress) showProgress(result.progress);
    render();
    renderQueue();
  }

  function decide(action, index, extra = {}) {
    return run(action, async () => {
      const image = state.image;
      if (!image) return;
      const body = { image: image.id, action, ...extra };
      if (index !== undefined) {
        const box = image.boxes[index];
        if (!box) return;
        body.index = index;
        body.before = box;
      }
      const result = await api("/api/decisions", body);
      applyResult(result, `${action}${index !== undefined ? ` box ${index + 1}` : ""}: saved`);
    });
  }

  function undo() {
    return run("undo", async () => {
      const result = await api("/api/undo", {});
      const at = state.queue.findIndex((q) => q.id === result.image.id);
      if (at >= 0 && at !== state.pos) {
        state.pos = at;
        await loadImage();
      }
      applyResult(result, `undo: ${result.entries.map((e) => e.undoes_action).join(", ")} reverted`);
    });
  }

  async function go(pos) {
    if (pos < 0 || pos >= state.queue.length) return;
    state.pos = pos;
    state.drawing = false;
    await run("load", loadImage);
  }

  // Mouse: select, drag an edge, draw.
  let drag = null;
  canvas.addEventListener("mousedown", (evt) => {
    if (!state.image || evt.button !== 0) return;
    const p = toImage(evt);
    const target = evt.target;
    if (state.drawing) {
      const draft = document.createElementNS(SVG, "rect");
      draft.setAttribute("class", "draft");
      boxesLayer.append(draft);
      drag = { kind: "draw", start: p, draft };
    } else if (target.dataset?.edge) {
      const i = Number(target.dataset.index);
      drag = { kind: "edge", edge: target.dataset.edge, index: i, bbox: [...state.image.boxes[i].bbox] };
    } else if (target.dataset?.index !== undefined) {
      select_(Number(target.dataset.index));
      return;
    } else return;
    evt.preventDefault();
  });
  window.addEventListener("mousemove", (evt) => {
    if (!drag) return;
    const p = toImage(evt);
    const W = state.image.width;
    const H = state.image.height;
    const cx = Math.max(0, Math.min(W, p.x));
    const cy = Math.max(0, Math.min(H, p.y));
    if (drag.kind === "draw") {
      const x = Math.min(drag.start.x, cx);
      const y = Math.min(drag.start.y, cy);
      drag.rect = [x, y, Math.abs(cx - drag.start.x), Math.abs(cy - drag.start.y)];
      Object.entries({ x, y, width: drag.rect[2], height: drag.rect[3] }).forEach(([k, v]) => drag.draft.setAttribute(k, v));
      return;
    }
    let [x, y, w, h] = drag.bbox;
    const [x0, y0, w0, h0] = state.image.boxes[drag.index].bbox;
    if (drag.edge === "left") { x = Math.min(cx, x0 + w0 - 1); w = x0 + w0 - x; }
    if (drag.edge === "right") { w = Math.max(1, cx - x0); }
    if (drag.edge === "top") { y = Math.min(cy, y0 + h0 - 1); h = y0 + h0 - y; }
    if (drag.edge === "bottom") { h = Math.max(1, cy - y0); }
    drag.next = [x, y, w, h].map((v) => Math.round(v));
    const rect = boxesLayer.querySelector(`.box-rect[data-index="${drag.index}"]`);
    Object.entries({ x: drag.next[0], y: drag.next[1], width: drag.next[2], height: drag.next[3] }).forEach(([k, v]) => rect.setAttribute(k, v));
  });
  window.addEventListener("mouseup", () => {
    const d = drag;
    drag = null;
    if (!d) return;
    if (d.kind === "draw") {
      d.draft.remove();
      state.drawing = false;
      if (d.rect && d.rect[2] >= 2 && d.rect[3] >= 2) decide("add", undefined, { bbox: d.rect.map((v) => Math.round(v)), category: state.drawCategory });
      else render();
      return;
    }
    if (d.next) decide("edit", d.index, { bbox: d.next });
  });

  document.addEventListener("keydown", (evt) => {
    const tag = evt.target?.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    const boxes = state.image?.boxes ?? [];
    const sel = state.selected >= 0 && state.selected < boxes.length ? state.selected : undefined;
    const key = evt.key;
    let handled = true;
    if ((key === "z" && (evt.ctrlKey || evt.metaKey)) || key === "u" || key === "U") undo();
    else if (key === "A") decide("accept");
    else if (key === "a") sel !== undefined && decide("accept", sel);
    else if (key === "r" || key === "Delete" || key === "Backspace") sel !== undefined && decide("reject", sel);
    else if (key === "f") sel !== undefined && decide("flag", sel);
    else if (key === "n" || key === "ArrowRight" || key === " ") go(state.pos + 1);
    else if (key === "p" || key === "ArrowLeft") go(state.pos - 1);
    else if ((key === "Tab" && !evt.shiftKey) || key === "j") boxes.length && select_(((sel ?? -1) + 1) % boxes.length);
    else if ((key === "Tab" && evt.shiftKey) || key === "k") boxes.length && select_(((sel ?? 0) - 1 + boxes.length) % boxes.length);
    else if (key === "d") { state.drawing = !state.drawing; render(); }
    else if (key === "Escape") { state.drawing = false; $("help").hidden = true; render(); }
    else if (key === "?") $("help").hidden = !$("help").hidden;
    else if (/^[1-9]$/.test(key)) {
      const c = state.session.categories[Number(key) - 1];
      if (!c) return;
      if (state.drawing || sel === undefined) { state.drawCategory = c.name; render(); }
      else decide("edit", sel, { category: c.name });
    } else handled = false;
    if (handled) evt.preventDefault();
  });

  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    run("queue", loadQueue);
  });
  $("accept-all").addEventListener("click", () => decide("accept"));
  $("draw").addEventListener("click", () => { state.drawing = !state.drawing; render(); });
  $("undo").addEventListener("click", () => undo());
  $("help-toggle").addEventListener("click", () => { $("help").hidden = !$("help").hidden; });
  window.addEventListener("resize", () => render());

  run("start", async () => {
    await loadSession();
    await loadQueue();
    document.body.dataset.ready = "true";
    status("ready: A accept · R reject · F flag · N next · P previous · U undo · D draw · ? help");
  });
})();
