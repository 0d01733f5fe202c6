// The /embed page: a try-on view for an iframe on a shop's page, driven over postMessage.
//
// URL: /embed?parent=https://shop.example&look=[...]|product=ID&source=auto|camera|demo
// The parent origin must be the server's own or one of its allowed origins (GET /api/config);
// messages are taken only from window.parent at exactly that origin, and sent only to it.
// Protocol: docs/protocol.md ("Iframe embed").

import { TryOn, TryOnError } from "./tryon.js";

const params = new URLSearchParams(location.search);
const status = document.getElementById("status");
const parentOrigin = params.get("parent") ?? location.origin;
const embedded = window.parent !== window;

function lookFromParams() {
  if (params.has("look")) return JSON.parse(params.get("look"));
  return params.has("product") ? [params.get("product")] : [];
}

function post(message) {
  if (embedded) window.parent.postMessage({ tryon: 1, ...message }, parentOrigin);
}

/** The try-on, or null when this parent may not embed it. */
async function main() {
  const config = await (await fetch("/api/config")).json();
  const allowed = [location.origin, ...config.allowedOrigins];
  if (embedded && !allowed.includes(parentOrigin)) {
    status.textContent = `This try-on may not be embedded by ${parentOrigin}.`;
    return null;
  }

  const tryon = TryOn.mount(document.getElementById("stage"), {
    server: location.origin,
    look: lookFromParams(),
    source: params.get("source") ?? "auto",
  });
  const forwarded = ["ready", "face-found", "face-lost", "look-changed", "measurements", "error"];
  for (const type of forwarded) {
    tryon.addEventListener(type, (event) => post({ type, ...event.detail }));
  }
  tryon.addEventListener("state", (event) => {
    const text = { connecting: "Connecting…", reconnecting: "Reconnecting…", failed: "Offline" };
    status.textContent = text[event.detail.state] ?? "";
  });
  return tryon;
}

const started = main().catch((err) => {
  status.textContent = `Try-on failed to start: ${err.message}`;
  return null;
});

// Listening from the start: a parent's call made before the try-on is up waits for it.
window.addEventListener("message", async (event) => {
  if (event.source !== window.parent || event.origin !== parentOrigin) return;
  const msg = event.data;
  if (!msg || msg.tryon !== 1) return;
  const tryon = await started;
  if (!tryon) return; // not allowed, or failed to start: nothing is posted to this parent
  try {
    if (msg.type === "set-look") {
      post({ type: "reply", id: msg.id, items: await tryon.setLook(msg.items) });
    } else if (msg.type === "snapshot") {
      post({ type: "reply", id: msg.id, blob: await tryon.snapshot() });
    } else {
      post({ type: "error", id: msg.id, code: "unknown-type", message: `unknown ${msg.type}` });
    }
  } catch (err) {
    const code = err instanceof TryOnError ? err.code : "internal";
    post({ type: "error", id: msg.id, code, message: err.message });
  }
});
