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
// Events (CustomEvent, details in docs/protocol.md, "The SDK"): ready, face-found, face-lost,
// look-changed, measurements, state, error {code, message}. Every error code is in
// ERROR_CODES; failed calls reject with a TryOnError carrying one of them.

import { demoStream } from "./demo-source.js";

const CHANNEL = "tryon";
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 15000;
const DISCONNECT_GRACE_MS = 3000;
const ICE_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 15000;
// Longer than the iframe's own request timeout, so its answer (or its error) arrives first.
const EMBED_REQUEST_TIMEOUT_MS = REQUEST_TIMEOUT_MS + 5000;

/** Every `code` of an `error` event or a TryOnError (the table in docs/protocol.md). */
export const ERROR_CODES = Object.freeze([
  // Raised by the SDK.
  "camera-denied", "no-camera", "ice-timeout", "server-busy", "rate-limited",
  "origin-not-allowed", "bad-offer", "connection-lost", "not-connected", "timeout",
  "destroyed", "bad-look", "internal",
  // Sent by the server on the data channel (rate-limited too).
  "bad-message", "unknown-type", "unknown-product", "bad-intensity", "snapshot-unavailable",
  "engine-failed",
]);

/** Refused offers: HTTP status -> code; any other refusal is `bad-offer`. */
const OFFER_REFUSALS = { 403: "origin-not-allowed", 429: "rate-limited", 503: "server-busy" };
/** Refusals worth retrying (with back-off); the others fail the widget. */
const RETRIED = new Set(["rate-limited", "server-busy"]);

export class TryOnError extends Error {
  /** A code outside ERROR_CODES (a newer server's) becomes `internal`, naming it. */
  constructor(code, message) {
    const known = ERROR_CODES.includes(code);
    super(known ? message : `${code}: ${message}`);
    this.name = "TryOnError";
    this.code = known ? code : "internal";
  }
}

/** `["a", {product: "b", intensity: 0.5}]` or `"a,b"` -> `[{product, intensity}]`. */
function normaliseLook(look) {
  if (look == null) return [];
  if (typeof look === "string") look = look.split(",").map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(look)) {
    throw new TryOnError("bad-look",
      `a look is an array of product ids or {product, intensity}, got ${typeof look}`);
  }
  return look.map((item, i) => {
    if (typeof item === "string") return { product: item, intensity: 1 };
    if (item !== null && typeof item === "object" && typeof item.product === "string") {
      return { intensity: 1, ...item };
    }
    throw new TryOnError("bad-look",
      `look item ${i} must be a product id or {product, intensity}, got ${JSON.stringify(item)}`);
  });
}

/**
 * Calls awaiting an answer, by id: each rejects with `timeout` after `timeoutMs`, with the
 * given code when `rejectAll` is called, and with `destroyed` once `destroy` was called.
 */
class PendingCalls {
  constructor(prefix, timeoutMs) {
    this._prefix = prefix;
    this._timeoutMs = timeoutMs;
    this._calls = new Map(); // id -> {type, resolve, reject, timer, chunks}
    this._nextId = 1;
    this._destroyed = false;
  }

  /** A new call: `{id, promise}`; `extra` is kept with it (see `get`). */
  open(type, extra = {}) {
    const id = `${this._prefix}${this._nextId++}`;
    const promise = new Promise((resolve, reject) => {
      if (this._destroyed) {
        reject(new TryOnError("destroyed", `${type} called after destroy()`));
        return;
      }
      const timer = setTimeout(() => this.settle(id, new TryOnError("timeout",
        `no answer to ${type} in ${this._timeoutMs} ms`)), this._timeoutMs);
      this._calls.set(id, { type, resolve, reject, timer, ...extra });
    });
    return { id, promise };
  }

  get(id) {
    return this._calls.get(id);
  }

  /** Resolve (with `value`, which may be a promise to follow) or reject call `id`. */
  settle(id, error, value) {
    const call = this._calls.get(id);
    if (!call) return false;
    this._calls.delete(id);
    clearTimeout(call.timer);
    if (error) call.reject(error);
    else call.resolve(value);
    return true;
  }

  rejectAll(code, why) {
    for (const [id, call] of this._calls) {
      this.settle(id, new TryOnError(code, `${call.type} ${why}`));
    }
  }

  destroy() {
    this._destroyed = true;
    this.rejectAll("destroyed", "was pending when destroy() was called");
  }
}

export class TryOn extends EventTarget {
  /** Create a try-on view inside `element` and start it; a bad `look` throws `bad-look`. */
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
    source = "auto", demoImage = null, reconnect = true, iceTimeoutMs = ICE_TIMEOUT_MS,
    requestTimeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    super();
    this.element = element;
    this.server = new URL(server, location.href).origin;
    this.source = source;
    this.demoImage = demoImage ?? `${this.server}/demo/face.jpg`;
    this.reconnect = reconnect;
    this.iceTimeoutMs = iceTimeoutMs;
    this.requestTimeoutMs = requestTimeoutMs;
    this.look = []; // as the server last accepted it; a new session gets it again
    this._wanted = normaliseLook(look ?? products); // to send when the channel opens
    this._waiting = []; // ids of setLook calls made while not connected
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
    this._calls = new PendingCalls("r", requestTimeoutMs);
  }

  _emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _error(code, message, extra = {}) {
    const error = new TryOnError(code, message);
    this._emit("error", { code: error.code, message: error.message, ...extra });
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
      if (this._destroyed) {
        this._stopSource();
        return;
      }
      const [track] = this.localStream.getVideoTracks();
      // Without it Chromium scales a 640x480 camera down to 480x360 after ~2 s.
      track.contentHint = "detail";
      await this._connect();
    } catch (err) {
      this._fail(err);
    }
  }

  /** Something that retrying will not mend: report it and stop in state `failed`. */
  _fail(err) {
    if (this._destroyed) return;
    this._teardown();
    this._error(err instanceof TryOnError ? err.code : "internal", err.message);
    this._setState("failed");
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
        // Not `err.code`: a DOMException has a numeric one (0 when denied, 8 when not found).
        const code = err instanceof TryOnError ? err.code
          : err.name === "NotAllowedError" ? "camera-denied" : "no-camera";
        const message = `${err.name ?? "Error"}: ${err.message}`;
        if (kind === "camera") throw new TryOnError(code, message);
        this._error(code, `${message}; showing the demo instead`, { fallback: "demo" });
      }
    }
    const demo = await demoStream(this.demoImage);
    this._stopDemo = demo.stop;
    this.sourceKind = "demo";
    return demo.stream;
  }

  _fetch(path, init = {}) {
    return fetch(`${this.server}${path}`,
      { ...init, signal: AbortSignal.timeout(this.requestTimeoutMs) });
  }

  async _connect() {
    if (this._destroyed) return;
    this._setState("connecting");
    let response;
    try {
      response = await this._fetch("/api/config");
    } catch (err) {
      this._lost(`server unreachable: ${err.message}`);
      return;
    }
    // Not JSON (an older server, a proxy's page): go on without ICE servers.
    const config = await response.json().catch(() => ({}));
    if (this._destroyed) return;
    const pc = new RTCPeerConnection({ iceServers: config.iceServers ?? [] });
    this._pc = pc;
    for (const track of this.localStream.getVideoTracks()) pc.addTrack(track, this.localStream);
    const channel = pc.createDataChannel(CHANNEL);
    this._channel = channel;
    channel.onopen = () => {
      this._retryMs = RECONNECT_MIN_MS;
      this._resendLook();
    };
    channel.onmessage = (event) => this._onMessage(event.data);
    channel.onclose = () => { if (this._pc === pc) this._lost("data channel closed"); };
    pc.ontrack = (event) => {
      this.video.srcObject = new MediaStream([event.track]);
      this.video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => this._onConnectionState(pc);

    await pc.setLocalDescription(await pc.createOffer());
    const gathered = await this._iceGathered(pc);
    if (this._pc !== pc) return; // destroyed meanwhile
    if (!gathered && !this._iceTimedOut(pc)) return;
    try {
      response = await this._fetch("/offer", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
      });
    } catch (err) {
      this._lost(`server unreachable: ${err.message}`);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (this._pc !== pc) return;
    if (!response.ok) {
      const code = OFFER_REFUSALS[response.status] ?? "bad-offer";
      const why = `${body.reason ?? "refused"} (HTTP ${response.status})`;
      if (RETRIED.has(code)) this._lost(why, code);
      else this._fail(new TryOnError(code, why));
      return;
    }
    this.sessionId = body.session;
    await pc.setRemoteDescription({ sdp: body.sdp, type: body.type });
  }

  /** True once ICE gathering completes; false if it has not after `iceTimeoutMs`. */
  _iceGathered(pc) {
    return new Promise((resolve) => {
      const finish = (complete) => {
        clearTimeout(timer);
        pc.removeEventListener("icegatheringstatechange", check);
        resolve(complete);
      };
      const check = () => { if (pc.iceGatheringState === "complete") finish(true); };
      const timer = setTimeout(() => finish(false), this.iceTimeoutMs);
      pc.addEventListener("icegatheringstatechange", check);
      check();
    });
  }

  /**
   * Gathering outlasted `iceTimeoutMs` (a STUN or TURN server that does not answer): offer the
   * candidates gathered so far (true), or, with none, drop this attempt and retry (false).
   */
  _iceTimedOut(pc) {
    const candidates = pc.localDescription.sdp.match(/^a=candidate:/gm)?.length ?? 0;
    const why = `ICE gathering did not finish in ${this.iceTimeoutMs} ms `
      + "(a STUN or TURN server does not answer)";
    if (candidates === 0) {
      this._lost(`${why}; no candidate to offer`, "ice-timeout");
      return false;
    }
    this._error("ice-timeout", `${why}; offering the ${candidates} candidates gathered`,
      { fallback: "gathered" });
    return true;
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

  /** This connection (or attempt) is over: report `code` and connect again (with back-off). */
  _lost(why, code = "connection-lost") {
    // Once per attempt: its peer connection may report the loss more than once.
    if (this._destroyed || !["connecting", "connected"].includes(this.state)) return;
    this._teardown();
    this._error(code, why);
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (!this.reconnect || this._destroyed) {
      this._setState("failed");
      return;
    }
    this._setState("reconnecting");
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => this._connect().catch((err) => this._fail(err)),
      this._retryMs);
    this._retryMs = Math.min(this._retryMs * 2, RECONNECT_MAX_MS);
  }

  _teardown() {
    clearTimeout(this._graceTimer);
    const pc = this._pc;
    this._pc = null;
    this._channel = null;
    if (pc) pc.close();
    this._waiting = [];
    this._calls.rejectAll("connection-lost", "was pending when the connection was lost");
  }

  _send(message) {
    if (this._channel?.readyState !== "open") return false;
    this._channel.send(JSON.stringify(message));
    return true;
  }

  _request(message, extra = {}) {
    const { id, promise } = this._calls.open(message.type, extra);
    if (!this._send({ ...message, id })) {
      this._calls.settle(id, new TryOnError("not-connected",
        `${message.type}: not connected to the try-on server (wait for "ready")`));
    }
    return promise;
  }

  /**
   * The channel opened: send the look still wanted (from the options or a setLook made while
   * not connected), else the one the server last accepted. A look the server refused is never
   * sent again.
   */
  _resendLook() {
    const items = this._wanted ?? this.look;
    const waiting = this._waiting.splice(0);
    if (!items.length && !waiting.length) return;
    const sent = this._request({ type: "set-look", items });
    for (const id of waiting) this._calls.settle(id, null, sent);
    sent.then(() => { this._wanted = null; }, (err) => {
      if (err.code !== "connection-lost") this._wanted = null;
    });
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
        this._calls.settle(msg.id, null, msg.items);
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
        this._calls.settle(msg.id, new TryOnError(msg.code, msg.message));
        this._error(msg.code, msg.message);
        break;
      case "pong":
        this._calls.settle(msg.id, null, true);
        break;
      default:
        break;
    }
  }

  _onSnapshotChunk(msg) {
    const call = this._calls.get(msg.id);
    if (!call) return;
    call.chunks[msg.chunk] = Uint8Array.from(atob(msg.data), (c) => c.charCodeAt(0));
    if (call.chunks.filter(Boolean).length === msg.chunks) {
      this._calls.settle(msg.id, null, new Blob(call.chunks, { type: msg.mime }));
    }
  }

  /**
   * Wear `look` (product ids, or `{product, intensity}` items); resolves with the look as the
   * server accepted it. Made while not connected, it is sent once the connection opens.
   */
  setLook(look) {
    let items;
    try {
      items = normaliseLook(look);
    } catch (err) {
      this._error(err.code, err.message);
      return Promise.reject(err);
    }
    if (this._channel?.readyState === "open") return this._request({ type: "set-look", items });
    this._wanted = items;
    const { id, promise } = this._calls.open("set-look");
    this._waiting.push(id);
    return promise;
  }

  /** The composited still (what the shopper sees) as a PNG Blob. */
  snapshot() {
    return this._request({ type: "snapshot" }, { chunks: [] });
  }

  /** Stop everything: connection, camera or demo stream, video element; pending calls reject. */
  destroy() {
    this._destroyed = true;
    clearTimeout(this._retryTimer);
    this._calls.destroy();
    this._teardown();
    this._stopSource();
    this.video.remove();
    this._setState("closed");
  }

  _stopSource() {
    if (this._stopDemo) this._stopDemo();
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
  }
}

/**
 * The parent page's side of the iframe embed: messages go only to the server's origin and
 * only messages from that origin and that iframe are accepted. Calls reject with `timeout`
 * when the iframe does not answer in `requestTimeoutMs`, and with `destroyed` on destroy().
 */
export class EmbeddedTryOn extends EventTarget {
  constructor(element, { server, product = null, look = null, source = "auto",
    requestTimeoutMs = EMBED_REQUEST_TIMEOUT_MS } = {}) {
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
    this._calls = new PendingCalls("p", requestTimeoutMs);
    // Posted before the iframe's page has loaded, a message would go to about:blank and be lost.
    this._loaded = new Promise((resolve) => {
      this.iframe.addEventListener("load", resolve, { once: true });
    });
    this._onWindowMessage = (event) => {
      if (event.origin !== this.origin || event.source !== this.iframe.contentWindow) return;
      const msg = event.data;
      if (!msg || msg.tryon !== 1) return;
      if (msg.id) {
        const error = msg.type === "error" ? new TryOnError(msg.code, msg.message) : null;
        this._calls.settle(msg.id, error, msg.blob ?? msg.items);
      }
      if (msg.type !== "reply") this.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
    };
    window.addEventListener("message", this._onWindowMessage);
    element.append(this.iframe);
  }

  _call(message) {
    const { id, promise } = this._calls.open(message.type);
    this._loaded.then(() => {
      this.iframe.contentWindow?.postMessage({ tryon: 1, id, ...message }, this.origin);
    });
    return promise;
  }

  setLook(look) {
    try {
      return this._call({ type: "set-look", items: normaliseLook(look) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  snapshot() {
    return this._call({ type: "snapshot" });
  }

  /** Remove the iframe; pending calls reject with `destroyed`. */
  destroy() {
    this._calls.destroy();
    window.removeEventListener("message", this._onWindowMessage);
    this.iframe.remove();
  }
}

/** The `look` attribute (JSON) or `products` (`a,b`) as items; a `bad-look` TryOnError. */
function lookAttribute(name, value) {
  if (name === "products") return normaliseLook(value ?? "");
  let parsed;
  try {
    parsed = JSON.parse(value ?? "[]");
  } catch (err) {
    throw new TryOnError("bad-look",
      `look attribute ${JSON.stringify(value)} is not JSON: ${err.message}`);
  }
  return normaliseLook(parsed);
}

/**
 * `<tryon-widget server products look source>`: the same options as attributes. A bad `look`
 * attribute raises an `error` event (`bad-look`) and the look stays as it was.
 */
export class TryOnWidget extends HTMLElement {
  static observedAttributes = ["products", "look"];

  connectedCallback() {
    if (this.tryon) return;
    const forward = ["ready", "face-found", "face-lost", "look-changed", "measurements",
      "state", "error"];
    let look = null;
    let badLook = null;
    try {
      look = this.hasAttribute("look") ? lookAttribute("look", this.getAttribute("look")) : null;
    } catch (err) {
      badLook = err;
    }
    this.tryon = TryOn.mount(this, {
      server: this.getAttribute("server") ?? location.origin,
      products: this.getAttribute("products") ?? "",
      look,
      source: this.getAttribute("source") ?? "auto",
    });
    for (const type of forward) {
      this.tryon.addEventListener(type, (e) => this.dispatchEvent(
        new CustomEvent(type, { detail: e.detail, bubbles: true, composed: true })));
    }
    // A task later, like every other event: the page's listeners are in place by then.
    if (badLook) setTimeout(() => this.tryon?._error(badLook.code, badLook.message));
  }

  attributeChangedCallback(name, old, value) {
    if (!this.tryon || old === value) return;
    let look;
    try {
      look = lookAttribute(name, value);
    } catch (err) {
      this.tryon._error(err.code, err.message);
      return;
    }
    this.tryon.setLook(look).catch(() => {}); // failures arrive as "error" events too
  }

  disconnectedCallback() {
    this.tryon?.destroy();
    this.tryon = null;
  }

  setLook(look) { return this._live().then((tryon) => tryon.setLook(look)); }

  snapshot() { return this._live().then((tryon) => tryon.snapshot()); }

  _live() {
    return this.tryon ? Promise.resolve(this.tryon) : Promise.reject(
      new TryOnError("not-connected", "the widget is not on the page"));
  }

  destroy() { this.remove(); }
}

if (!customElements.get("tryon-widget")) customElements.define("tryon-widget", TryOnWidget);
