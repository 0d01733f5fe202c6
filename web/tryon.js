// tryon embed SDK: live virtual try-on over WebRTC. Plain ES module, no build step.
//
//   import { TryOn } from "https://tryon.example/web/tryon.js";
//   const tryon = TryOn.mount(document.querySelector("#stage"), {
//     server: "https://tryon.example", products: ["aviator-gold"], source: "auto" });
//   tryon.addEventListener("face-found", () => ...);
//   await tryon.setLook([{ product: "round-tortoise", intensity: 0.8 }]);
//   const png = await tryon.snapshot();
//
// or, in HTML:  <tryon-widget server="https://tryon.example" products="aviator-gold"></tryon-widget>
//
// Events (CustomEvent, details in docs/protocol.md): ready, face-found, face-lost,
// look-changed, measurements, state, error {code, message}. Error codes raised here:
// camera-denied, no-camera, server-busy, rate-limited, connection-lost, bad-offer, plus the
// server's data-channel codes (unknown-product, bad-intensity, ...).

import { demoStream } from "./demo-source.js";

const CHANNEL = "tryon";
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 15000;
const DISCONNECT_GRACE_MS = 3000;
const SNAPSHOT_TIMEOUT_MS = 15000;

/** `["a", {product: "b", intensity: 0.5}]` -> `[{product, intensity}]`. */
function normaliseLook(look) {
  if (look == null) return [];
  if (typeof look === "string") look = look.split(",").map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(look)) throw new TypeError(`look must be an array, got ${typeof look}`);
  return look.map((item) =>
    typeof item === "string" ? { product: item, intensity: 1 } : { intensity: 1, ...item });
}

export class TryOnError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "TryOnError";
    this.code = code;
  }
}

export class TryOn extends EventTarget {
  /** Create a try-on view inside `element` and start it. */
  static mount(element, options = {}) {
    const tryon = new TryOn(element, options);
    tryon.start();
    return tryon;
  }

  /** An iframe of the server's /embed page in `element`, driven over postMessage. */
  static embed(element, options = {}) {
    return new EmbeddedTryOn(element, options);
  }

  constructor(element, { server = location.origin, products = [], look = null,
    source = "auto", demoImage = null, reconnect = true } = {}) {
    super();
    this.element = element;
    this.server = new URL(server, location.href).origin;
    this.source = source;
    this.demoImage = demoImage ?? `${this.server}/demo/face.jpg`;
    this.reconnect = reconnect;
    this.look = normaliseLook(look ?? products);
    this.state = "new";
    this.sourceKind = null; // "camera" | "demo" once started
    this.localStream = null;
    this.video = document.createElement("video");
    Object.assign(this.video, { autoplay: true, muted: true, playsInline: true });
    this.video.setAttribute("playsinline", "");
    this.video.className = "tryon-video";
    element.append(this.video);
    this._pc = null;
    this._channel = null;
    this._stopDemo = null;
    this._destroyed = false;
    this._retryMs = RECONNECT_MIN_MS;
    this._retryTimer = null;
    this._graceTimer = null;
    this._requests = new Map(); // id -> {resolve, reject, chunks, timer}
    this._nextId = 1;
  }

  _emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _error(code, message, extra = {}) {
    this._emit("error", { code, message, ...extra });
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._emit("state", { state });
  }

  /** Open the camera (or the demo stream) and connect. Safe to call once. */
  async start() {
    try {
      this.localStream = await this._openSource(this.source);
      const [track] = this.localStream.getVideoTracks();
      // Without it Chromium scales a 640x480 camera down to 480x360 after ~2 s.
      track.contentHint = "detail";
      await this._connect();
    } catch (err) {
      this._error(err.code ?? "internal", err.message);
    }
  }

  async _openSource(kind) {
    if (kind !== "demo") {
      try {
        if (!navigator.mediaDevices?.getUserMedia) {
          throw new TryOnError("no-camera", "this page cannot use a camera (needs https)");
        }
        const stream = await navigator.mediaDevices.getUserMedia({
          video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
          audio: false,
        });
        this.sourceKind = "camera";
        return stream;
      } catch (err) {
        const code = err.code ?? (err.name === "NotAllowedError" ? "camera-denied" : "no-camera");
        this._error(code, `${err.name ?? "Error"}: ${err.message}; showing the demo instead`,
          { fallback: "demo" });
        if (kind === "camera") throw new TryOnError(code, err.message);
      }
    }
    const demo = await demoStream(this.demoImage);
    this._stopDemo = demo.stop;
    this.sourceKind = "demo";
    return demo.stream;
  }

  async _connect() {
    if (this._destroyed) return;
    this._setState("connecting");
    let iceServers = [];
    try {
      iceServers = (await (await fetch(`${this.server}/api/config`)).json()).iceServers;
    } catch {
      // An older server or a network blip: go on without ICE servers (loopback and LAN work).
    }
    const pc = new RTCPeerConnection({ iceServers });
    this._pc = pc;
    for (const track of this.localStream.getVideoTracks()) pc.addTrack(track, this.localStream);
    const channel = pc.createDataChannel(CHANNEL);
    this._channel = channel;
    channel.onopen = () => {
      this._retryMs = RECONNECT_MIN_MS;
      if (this.look.length) this._send({ type: "set-look", items: this.look });
    };
    channel.onmessage = (event) => this._onMessage(event.data);
    channel.onclose = () => { if (this._pc === pc) this._lost("data channel closed"); };
    pc.ontrack = (event) => {
      this.video.srcObject = new MediaStream([event.track]);
      this.video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => this._onConnectionState(pc);

    await pc.setLocalDescription(await pc.createOffer());
    await this._iceGathered(pc);
    let response;
    try {
      response = await fetch(`${this.server}/offer`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
      });
    } catch (err) {
      this._lost(`server unreachable: ${err.message}`);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const code = { 503: "server-busy", 429: "rate-limited" }[response.status] ?? body.error ?? "bad-offer";
      this._error(code, body.reason ?? `HTTP ${response.status}`);
      this._teardown();
      if (response.status === 503 || response.status === 429) this._scheduleReconnect();
      else this._setState("failed");
      return;
    }
    this.sessionId = body.session;
    await pc.setRemoteDescription({ sdp: body.sdp, type: body.type });
  }

  _iceGathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", done);
          resolve();
        }
      };
      pc.addEventListener("icegatheringstatechange", done);
    });
  }

  _onConnectionState(pc) {
    if (pc !== this._pc) return;
    const state = pc.connectionState;
    if (state === "connected") {
      clearTimeout(this._graceTimer);
      this._setState("connected");
    } else if (state === "failed" || state === "closed") {
      this._lost(`connection ${state}`);
    } else if (state === "disconnected") {
      clearTimeout(this._graceTimer);
      this._graceTimer = setTimeout(() => this._lost("connection disconnected"),
        DISCONNECT_GRACE_MS);
    }
  }

  _lost(why) {
    if (this._destroyed || this._pc === null) return;
    this._teardown();
    this._error("connection-lost", why);
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (!this.reconnect || this._destroyed) {
      this._setState("failed");
      return;
    }
    this._setState("reconnecting");
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => this._connect().catch(
      (err) => this._lost(err.message)), this._retryMs);
    this._retryMs = Math.min(this._retryMs * 2, RECONNECT_MAX_MS);
  }

  _teardown() {
    clearTimeout(this._graceTimer);
    const pc = this._pc;
    this._pc = null;
    this._channel = null;
    if (pc) pc.close();
    for (const [id, req] of this._requests) {
      clearTimeout(req.timer);
      req.reject(new TryOnError("connection-lost", `request ${id} lost with the connection`));
    }
    this._requests.clear();
  }

  _send(message) {
    if (this._channel?.readyState !== "open") return false;
    this._channel.send(JSON.stringify(message));
    return true;
  }

  _request(message, { collect = false } = {}) {
    const id = `r${this._nextId++}`;
    return new Promise((resolve, reject) => {
      if (!this._send({ ...message, id })) {
        reject(new TryOnError("connection-lost", "not connected to the try-on server"));
        return;
      }
      const timer = setTimeout(() => {
        this._requests.delete(id);
        reject(new TryOnError("timeout", `no answer to ${message.type} in time`));
      }, SNAPSHOT_TIMEOUT_MS);
      this._requests.set(id, { resolve, reject, timer, chunks: collect ? [] : null });
    });
  }

  _settle(id, error, value) {
    const req = this._requests.get(id);
    if (!req) return false;
    this._requests.delete(id);
    clearTimeout(req.timer);
    if (error) req.reject(error);
    else req.resolve(value);
    return true;
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    switch (msg.type) {
      case "ready":
        this._emit("ready", { session: msg.session, source: this.sourceKind, engine: msg.engine });
        break;
      case "face":
        this._emit(msg.found ? "face-found" : "face-lost", { faces: msg.faces });
        break;
      case "look":
        this.look = msg.items;
        this._settle(msg.id, null, msg.items);
        this._emit("look-changed", { items: msg.items });
        break;
      case "measurements": {
        const { type, ...report } = msg;
        this._emit("measurements", report);
        break;
      }
      case "snapshot":
        this._onSnapshotChunk(msg);
        break;
      case "error":
        this._settle(msg.id, new TryOnError(msg.code, msg.message));
        this._error(msg.code, msg.message);
        break;
      case "pong":
        this._settle(msg.id, null, true);
        break;
      default:
        break;
    }
  }

  _onSnapshotChunk(msg) {
    const req = this._requests.get(msg.id);
    if (!req) return;
    req.chunks[msg.chunk] = Uint8Array.from(atob(msg.data), (c) => c.charCodeAt(0));
    if (req.chunks.filter(Boolean).length === msg.chunks) {
      this._settle(msg.id, null, new Blob(req.chunks, { type: msg.mime }));
    }
  }

  /** Wear `look` (product ids, or `{product, intensity}` items); resolves with the look. */
  setLook(look) {
    const items = normaliseLook(look);
    this.look = items;
    return this._request({ type: "set-look", items });
  }

  /** The composited still (what the shopper sees) as a PNG Blob. */
  snapshot() {
    return this._request({ type: "snapshot" }, { collect: true });
  }

  /** Stop everything: connection, camera or demo stream, video element. */
  destroy() {
    this._destroyed = true;
    clearTimeout(this._retryTimer);
    this._teardown();
    if (this._stopDemo) this._stopDemo();
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    this.video.remove();
    this._setState("closed");
  }
}

/**
 * The parent page's side of the iframe embed: messages go only to the server's origin and
 * only messages from that origin and that iframe are accepted.
 */
export class EmbeddedTryOn extends EventTarget {
  constructor(element, { server, product = null, look = null, source = "auto" } = {}) {
    super();
    this.origin = new URL(server, location.href).origin;
    const url = new URL("/embed", this.origin);
    url.searchParams.set("parent", location.origin);
    url.searchParams.set("source", source);
    const items = normaliseLook(look ?? (product ? [product] : []));
    if (items.length) url.searchParams.set("look", JSON.stringify(items));
    this.iframe = document.createElement("iframe");
    this.iframe.src = url.href;
    this.iframe.allow = "camera; autoplay";
    this.iframe.title = "Virtual try-on";
    this.iframe.className = "tryon-frame";
    this._requests = new Map();
    this._nextId = 1;
    this._onWindowMessage = (event) => {
      if (event.origin !== this.origin || event.source !== this.iframe.contentWindow) return;
      const msg = event.data;
      if (!msg || msg.tryon !== 1) return;
      const req = msg.id && this._requests.get(msg.id);
      if (req) {
        this._requests.delete(msg.id);
        if (msg.type === "error") req.reject(new TryOnError(msg.code, msg.message));
        else req.resolve(msg.blob ?? msg.items);
      }
      if (msg.type !== "reply") this.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
    };
    window.addEventListener("message", this._onWindowMessage);
    element.append(this.iframe);
  }

  _call(message) {
    const id = `p${this._nextId++}`;
    return new Promise((resolve, reject) => {
      this._requests.set(id, { resolve, reject });
      this.iframe.contentWindow.postMessage({ tryon: 1, id, ...message }, this.origin);
    });
  }

  setLook(look) {
    return this._call({ type: "set-look", items: normaliseLook(look) });
  }

  snapshot() {
    return this._call({ type: "snapshot" });
  }

  destroy() {
    window.removeEventListener("message", this._onWindowMessage);
    this.iframe.remove();
  }
}

/** `<tryon-widget server products look source>`: the same options as attributes. */
export class TryOnWidget extends HTMLElement {
  static observedAttributes = ["products", "look"];

  connectedCallback() {
    if (this.tryon) return;
    const forward = ["ready", "face-found", "face-lost", "look-changed", "measurements",
      "state", "error"];
    this.tryon = TryOn.mount(this, {
      server: this.getAttribute("server") ?? location.origin,
      products: this.getAttribute("products") ?? "",
      look: this.hasAttribute("look") ? JSON.parse(this.getAttribute("look")) : null,
      source: this.getAttribute("source") ?? "auto",
    });
    for (const type of forward) {
      this.tryon.addEventListener(type, (e) => this.dispatchEvent(
        new CustomEvent(type, { detail: e.detail, bubbles: true, composed: true })));
    }
  }

  attributeChangedCallback(name, old, value) {
    if (!this.tryon || old === value) return;
    const look = name === "look" ? JSON.parse(value) : value;
    this.tryon.setLook(look).catch(() => {}); // failures arrive as "error" events too
  }

  disconnectedCallback() {
    this.tryon?.destroy();
    this.tryon = null;
  }

  setLook(look) { return this.tryon.setLook(look); }

  snapshot() { return this.tryon.snapshot(); }

  destroy() { this.remove(); }
}

if (!customElements.get("tryon-widget")) customElements.define("tryon-widget", TryOnWidget);
