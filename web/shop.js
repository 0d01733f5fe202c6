// The demo shop at /: product grid by category, live try-on with before/after, snapshot,
// measurements. Built only on the public SDK (tryon.js) and the server's JSON API.

import { TryOn } from "./tryon.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  products: [],
  category: "all",
  selected: params.get("product"),
  source: params.get("source") ?? "auto",
  tryon: null,
  report: null,
};

const CATEGORY_LABELS = { eyewear: "Glasses", glasses: "Glasses", sunglasses: "Sunglasses", makeup: "Makeup",
  hair: "Hair", jewelry: "Jewelry" };
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
    card.setAttribute("aria-pressed", String(p.id === state.selected));
    card.innerHTML = `<span class="thumb"><img alt="" loading="lazy"></span>
      <span class="meta"><span class="b"></span><span class="n"></span><span class="p"></span></span>
      <span class="try">${p.id === state.selected ? "Wearing" : "Try on"}</span>`;
    card.querySelector("img").src = p.thumbnail;
    card.querySelector(".b").textContent = p.brand ?? "";
    card.querySelector(".n").textContent = p.name ?? p.id;
    card.querySelector(".p").textContent = price(p);
    card.onclick = () => select(p.id === state.selected ? null : p.id);
    li.append(card);
    grid.append(li);
  }
}

function renderDetails() {
  const p = state.products.find((x) => x.id === state.selected);
  $("sel-brand").textContent = p ? p.brand ?? label(p.category ?? "") : "Choose a frame";
  $("sel-name").textContent = p ? p.name ?? p.id : "Find your frame";
  $("sel-price").textContent = p ? price(p) : "";
  $("sel-desc").textContent = p?.description
    ?? (p ? "Live on your face, true to size." : "Pick a frame below to see it on your face, live and true to size.");
  $("tint-wrap").hidden = !p;
}

function currentLook() {
  if (!state.selected) return [];
  return [{ product: state.selected, intensity: Number($("tint").value) / 100 }];
}

function select(id) {
  state.selected = id;
  renderGrid();
  renderDetails();
  renderMeasurements();
  const url = new URL(location.href);
  if (id) url.searchParams.set("product", id); else url.searchParams.delete("product");
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
    const fit = face.fit.find((f) => f.product_id === state.selected);
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
  $("tint").onchange = () => state.tryon?.setLook(currentLook()).catch(() => {});
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
  if (state.selected && !state.products.some((p) => p.id === state.selected)) state.selected = null;
  renderTabs();
  renderGrid();
  renderDetails();
  start();
}

main();
