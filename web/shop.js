// The demo shop at /: product grid by category, live try-on with before/after, snapshot,
// measurements. Built only on the public SDK (tryon.js) and the server's JSON API.
//
// A shopper wears one product per slot at once: a pair of glasses, one makeup product per
// face area (a new lipstick replaces the old one), and a look (a named stack of makeup) under
// the single picks. Makeup shows its shades (the other products of the same area) as swatches.

import { TryOn } from "./tryon.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  products: [],
  category: "all",
  selected: params.get("product"),
  /** slot -> {product, intensity}: what the shopper wears now. */
  worn: new Map(),
  source: params.get("source") ?? "auto",
  tryon: null,
  report: null,
};

const CATEGORY_LABELS = { eyewear: "Glasses", glasses: "Glasses", sunglasses: "Sunglasses", makeup: "Makeup",
  look: "Looks", hairstyle: "Hairstyles", hair_color: "Hair colour", hair: "Hair",
  jewelry: "Jewelry" };
/** Makeup areas in the order they are applied (skin first, lips last). */
const MAKEUP_ORDER = ["foundation", "concealer", "contour", "blush", "highlighter", "brows",
  "eyeshadow", "eyeliner", "mascara", "contacts", "lip-liner", "lips"];
/** Slots in the order the server draws them: a look under single makeup picks, glasses on top. */
const SLOT_ORDER = ["look", ...MAKEUP_ORDER.map((a) => `makeup:${a}`), "eyewear"];
const byId = (id) => state.products.find((x) => x.id === id);
const slotOf = (p) => (p.category === "makeup" ? `makeup:${p.makeup.area}` : p.category ?? "other");
const isWorn = (id) => [...state.worn.values()].some((w) => w.product === id);
const colorOf = (p) => p.makeup?.color ?? null;
const label = (cat) => CATEGORY_LABELS[cat] ?? cat.charAt(0).toUpperCase() + cat.slice(1);

function price(p) {
  if (p.price == null) return "";
  return new Intl.NumberFormat(undefined, { style: "currency", currency: p.currency ?? "EUR" })
    .format(p.price);
}

function renderTabs() {
  const cats = [...new Set(state.products.map((p) => p.category ?? "other"))];
  const tabs = $("tabs");
  tabs.replaceChildren();
  for (const cat of ["all", ...cats]) {
    const b = document.createElement("button");
    b.type = "button";
    b.role = "tab";
    b.textContent = cat === "all" ? "All" : label(cat);
    b.setAttribute("aria-selected", String(cat === state.category));
    b.onclick = () => { state.category = cat; renderTabs(); renderGrid(); };
    tabs.append(b);
  }
}

function renderGrid() {
  const grid = $("grid");
  grid.replaceChildren();
  const shown = state.products.filter(
    (p) => state.category === "all" || (p.category ?? "other") === state.category);
  if (!shown.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "No products in this catalog yet.";
    grid.append(li);
  }
  for (const p of shown) {
    const li = document.createElement("li");
    const card = document.createElement("button");
    card.type = "button";
    card.className = "card";
    card.dataset.product = p.id;
    card.setAttribute("aria-pressed", String(isWorn(p.id)));
    card.innerHTML = `<span class="thumb"><img alt="" loading="lazy"></span>
      <span class="meta"><span class="b"></span><span class="n"></span><span class="p"></span></span>
      <span class="try">${isWorn(p.id) ? "Wearing" : "Try on"}</span>`;
    card.querySelector("img").src = p.thumbnail;
    card.querySelector(".b").textContent = p.brand ?? "";
    card.querySelector(".n").textContent = p.name ?? p.id;
    card.querySelector(".p").textContent = price(p);
    card.onclick = () => toggle(p.id);
    li.append(card);
    grid.append(li);
  }
}

const DESCRIPTIONS = {
  eyewear: "Live on your face, true to size.",
  makeup: "Live on your face, in your light. Choose a shade and how strong it is.",
  look: "A complete look, applied in order. Add single products on top.",
  hairstyle: "A new cut, live: it turns with your head and is sized to it.",
  hair_color: "Your own hair, recoloured: strands, highlights and shadows stay.",
};

function renderDetails() {
  const p = byId(state.selected);
  const worn = p ? state.worn.get(slotOf(p)) : null;
  $("sel-brand").textContent = p ? p.brand ?? label(p.category ?? "") : "Choose a product";
  $("sel-name").textContent = p ? p.name ?? p.id : "Find your look";
  $("sel-price").textContent = p ? price(p) : "";
  $("sel-desc").textContent = p?.description
    ?? (p ? DESCRIPTIONS[p.category] ?? DESCRIPTIONS.eyewear
      : "Pick glasses or makeup below to see them on your face, live.");
  $("tint-wrap").hidden = !(p && worn?.product === p.id);
  $("tint-label").textContent = p?.category === "eyewear" ? "Lens tint" : "Intensity";
  if (worn) $("tint").value = String(Math.round(worn.intensity * 100));
  renderShades(p);
  renderWearing();
}

/** Swatches of every shade of the selected makeup's area; a click wears that shade. */
function renderShades(p) {
  const box = $("shades");
  const shades = p?.category === "makeup"
    ? state.products.filter((x) => x.category === "makeup" && x.makeup.area === p.makeup.area) : [];
  box.hidden = shades.length < 2;
  box.replaceChildren(...shades.map((x) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "shade";
    b.dataset.shade = x.id;
    b.title = x.name ?? x.id;
    b.setAttribute("aria-label", x.name ?? x.id);
    b.setAttribute("aria-pressed", String(isWorn(x.id)));
    b.style.background = colorOf(x);
    b.onclick = () => wear(x.id);
    return b;
  }));
}

/** Chips for everything worn, each with a remove button. */
function renderWearing() {
  const items = orderedWorn();
  $("wearing-wrap").hidden = !items.length;
  $("wearing").replaceChildren(...items.map(({ product }) => {
    const p = byId(product);
    const li = document.createElement("li");
    li.className = "chip";
    li.dataset.worn = product;
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = colorOf(p) ?? "transparent";
    const name = document.createElement("span");
    name.textContent = p?.name ?? product;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove ${p?.name ?? product}`);
    remove.onclick = () => unwear(product);
    li.append(dot, name, remove);
    return li;
  }));
}

function orderedWorn() {
  const rank = (slot) => {
    const i = SLOT_ORDER.indexOf(slot);
    return i < 0 ? SLOT_ORDER.length : i;
  };
  return [...state.worn.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([, w]) => w);
}

function currentLook() {
  return orderedWorn().map((w) => ({ product: w.product, intensity: w.intensity }));
}

function defaultIntensity(p) {
  return p.category === "makeup" || p.category === "look" ? 0.8 : 1;
}

function wear(id) {
  const p = byId(id);
  if (!p) return;
  state.worn.set(slotOf(p), { product: id, intensity: defaultIntensity(p) });
  state.selected = id;
  changed();
}

function unwear(id) {
  for (const [slot, w] of state.worn) if (w.product === id) state.worn.delete(slot);
  if (state.selected === id) state.selected = orderedWorn().at(-1)?.product ?? null;
  changed();
}

function toggle(id) {
  if (isWorn(id)) unwear(id); else wear(id);
}

function changed() {
  renderGrid();
  renderDetails();
  renderMeasurements();
  const url = new URL(location.href);
  if (state.selected) url.searchParams.set("product", state.selected);
  else url.searchParams.delete("product");
  history.replaceState(null, "", url);
  state.tryon?.setLook(currentLook()).catch(() => {}); // errors also arrive as events
}

function overlay(text) {
  $("overlay").textContent = text;
  $("overlay").hidden = !text;
}

const MEASURE_LABELS = {
  pd: "Pupillary distance", face_width: "Face width", temple_width: "Temple width",
  nose_bridge_width: "Nose bridge", face_height: "Face height",
};

/** The measurement panel from the server's report (docs/protocol.md, "measurements"). */
function renderMeasurements(report = state.report) {
  state.report = report;
  const face = report?.faces?.[0];
  const rows = [];
  if (!face) {
    rows.push(["Looking for your face…", ""]);
  } else if (face.status === "withheld") {
    rows.push(["Face the camera and hold still…", ""]);
  } else {
    for (const [name, label] of Object.entries(MEASURE_LABELS)) {
      const v = face.values[name];
      if (v) rows.push([label, `${v.value_mm.toFixed(1)} ± ${v.uncertainty_mm.toFixed(1)} mm`]);
    }
    if (face.face_shape) rows.push(["Face shape", face.face_shape.shape]);
    const fit = face.fit.find((f) => f.product_id === state.worn.get("eyewear")?.product);
    if (fit) rows.push(["This frame", fit.verdict]);
  }
  $("measure-list").replaceChildren(...rows.map(([name, value]) => {
    const row = document.createElement("div");
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = name;
    dd.textContent = value;
    if (name === "This frame") dd.dataset.verdict = value;
    row.append(dt, dd);
    return row;
  }));
}

const ERROR_TEXT = {
  "camera-denied": "Camera blocked: showing the demo face. Allow the camera to try frames on yourself.",
  "no-camera": "No camera found: showing the demo face.",
  "server-busy": "Our fitting room is full right now. Retrying…",
  "rate-limited": "Too many attempts. Retrying shortly…",
  "connection-lost": "Connection lost. Reconnecting…",
};

function start() {
  state.tryon?.destroy();
  const stage = $("stage");
  const tryon = TryOn.mount($("after"), { server: location.origin, look: currentLook(),
    source: state.source });
  state.tryon = tryon;
  overlay("Connecting…");
  tryon.addEventListener("state", (e) => {
    stage.dataset.state = e.detail.state;
    if (tryon.localStream && $("before").srcObject !== tryon.localStream) {
      $("before").srcObject = tryon.localStream;
    }
    stage.dataset.source = tryon.sourceKind ?? "";
    $("source").textContent = tryon.sourceKind === "demo" ? "Use my camera" : "Use demo face";
    if (e.detail.state === "connected") overlay("");
  });
  tryon.addEventListener("ready", () => { $("snap").disabled = false; });
  // The page's state is mirrored on the stage element (for styling and for tests).
  tryon.addEventListener("face-found", () => { stage.dataset.face = "found"; overlay(""); });
  tryon.addEventListener("face-lost", () => {
    stage.dataset.face = "lost";
    overlay("Look at the camera");
  });
  tryon.addEventListener("look-changed", (e) => {
    stage.dataset.look = e.detail.items.map((i) => i.product).join(",");
  });
  tryon.addEventListener("measurements", (e) => renderMeasurements(e.detail));
  tryon.addEventListener("error", (e) => {
    const text = ERROR_TEXT[e.detail.code];
    if (text) overlay(text);
    console.warn("tryon:", e.detail.code, e.detail.message);
  });
}

async function snapshot() {
  const button = $("snap");
  button.disabled = true;
  try {
    const blob = await state.tryon.snapshot();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `lumen-${state.selected ?? "tryon"}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (err) {
    overlay(`Snapshot failed: ${err.message}`);
  } finally {
    button.disabled = false;
  }
}

function setSplit(value) {
  const stage = $("stage");
  stage.style.setProperty("--split", `${value}%`);
  stage.dataset.compare = Number(value) > 0 ? "on" : "off";
}

async function main() {
  $("split").oninput = (e) => setSplit(e.target.value);
  $("tint").onchange = () => {
    const p = byId(state.selected);
    const worn = p && state.worn.get(slotOf(p));
    if (!worn) return;
    worn.intensity = Number($("tint").value) / 100;
    state.tryon?.setLook(currentLook()).catch(() => {});
  };
  $("snap").onclick = snapshot;
  $("source").onclick = () => {
    state.source = state.tryon?.sourceKind === "demo" ? "camera" : "demo";
    start();
  };
  setSplit(0);
  try {
    state.products = (await (await fetch("/api/products")).json()).products;
  } catch (err) {
    overlay(`Catalog unavailable: ${err.message}`);
  }
  const first = byId(state.selected);
  if (first) state.worn.set(slotOf(first), { product: first.id, intensity: defaultIntensity(first) });
  else state.selected = null;
  renderTabs();
  renderGrid();
  renderDetails();
  start();
}

main();
