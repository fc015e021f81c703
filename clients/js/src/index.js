// reactive-wspool-client: a browser and Node client for the reactive-wspool wire protocol
// (docs/PROTOCOL.md). One connection at a time; when it is lost (closed, or silent for
// heartbeat interval x k) the client reconnects with exponential backoff and full jitter,
// resubscribes every topic with `since` = the last offset it delivered, and emits `gap` when the
// hub answers `recovered: false` or sends a live `gap`. Semantics mirror the Java WsTopicClient
// (reactive-wspool/.../internal/client/DefaultWsTopicClient.java). No runtime dependency in
// browsers; in Node without a global WebSocket it imports the optional peer `ws`.

/** Replies and control messages: never delivered to topic listeners. */
const NOT_TOPIC_MESSAGES = new Set(["welcome", "subscribed", "unsubscribed", "published", "pong", "error", "heartbeat"]);

/** Close codes a reconnect cannot fix (docs/PROTOCOL.md section 7): the client stops. */
const CLIENT_FAULTS = new Set([1002, 1003, 1007, 1008, 1009]);

const CLOSE_KINDS = {
  1000: "normal",
  1001: "going_away",
  1002: "protocol_error",
  1003: "unsupported_data",
  1006: "abnormal",
  1007: "invalid_data",
  1008: "policy",
  1009: "too_big",
  1011: "server_error",
  1013: "try_again_later",
  4000: "heartbeat_timeout",
  4001: "slow_consumer",
};

/** The kind of a close code, as named in docs/PROTOCOL.md section 7 ("unknown" otherwise). */
export function closeKind(code) {
  return CLOSE_KINDS[code] || "unknown";
}

/** An `error` answer of the hub, or a failure of the client (timeout, disconnect, closed). */
export class WsError extends Error {
  constructor(code, message, reply) {
    super(message);
    this.name = "WsError";
    /** "server" (an `error` reply), "timeout", "disconnected", "not_connected", "closed", "bad_input". */
    this.code = code;
    /** The hub's `error` message, when code is "server". */
    this.reply = reply;
  }
}

const DEFAULTS = {
  token: undefined,
  tokenIn: "query",
  heartbeatIntervalMs: undefined,
  livenessFactor: 2.5,
  backoffInitialMs: 500,
  backoffMaxMs: 15000,
  requestTimeoutMs: 10000,
  connectTimeoutMs: 10000,
  bufferSize: 1024,
  reconnect: true,
  shouldReconnect: undefined,
  WebSocket: undefined,
  wsOptions: undefined,
  random: Math.random,
};

const TOPIC = /^[A-Za-z0-9_.:\/-]{1,256}$/;

/** The answer type, and how the id of every request of the hub begins (PROTOCOL.md, Requests of the hub). */
const ACK = "ack";
export const HUB_REQUEST_PREFIX = "hub:";

/** Whether a hub message waits for an `ack`: its id has the hub's reserved prefix (an `error` never does). */
function isHubRequest(m) {
  return typeof m.id === "string" && m.id.startsWith(HUB_REQUEST_PREFIX) && m.type !== "error" && m.type !== ACK;
}

function checkOptions(o) {
  const positive = ["livenessFactor", "backoffInitialMs", "backoffMaxMs", "requestTimeoutMs", "connectTimeoutMs", "bufferSize"];
  for (const name of positive) {
    if (typeof o[name] !== "number" || !(o[name] > 0) || !Number.isFinite(o[name])) {
      throw new RangeError(`option ${name} must be a finite number > 0, was ${o[name]}`);
    }
  }
  if (o.heartbeatIntervalMs !== undefined && !(o.heartbeatIntervalMs > 0)) {
    throw new RangeError(`option heartbeatIntervalMs must be > 0 or undefined, was ${o.heartbeatIntervalMs}`);
  }
  if (o.backoffMaxMs < o.backoffInitialMs) {
    throw new RangeError(`option backoffMaxMs (${o.backoffMaxMs}) must be >= backoffInitialMs (${o.backoffInitialMs})`);
  }
  if (o.tokenIn !== "query" && o.tokenIn !== "header") {
    throw new RangeError(`option tokenIn must be "query" or "header", was ${JSON.stringify(o.tokenIn)}`);
  }
}

/**
 * The reconnect delay before attempt n (0-based): full jitter, a uniform draw in
 * [0, min(max, initial * 2^n)). Exported for tests and for applications that want the same curve.
 */
export function backoffDelay(n, initialMs, maxMs, random = Math.random) {
  const ceiling = n >= 30 ? maxMs : Math.min(maxMs, initialMs * 2 ** n);
  return Math.floor(random() * ceiling);
}

/** Stops a socket's events; its late error (ws: "closed before the connection was established") goes nowhere. */
function detach(socket) {
  socket.onmessage = socket.onclose = socket.onopen = null;
  socket.onerror = () => { };
}

async function resolveWebSocket(given) {
  if (given) return given;
  if (typeof globalThis.WebSocket === "function") return globalThis.WebSocket;
  try {
    const mod = await import(/* webpackIgnore: true */ /* @vite-ignore */ "ws");
    return mod.WebSocket || mod.default;
  } catch (e) {
    throw new WsError("not_connected", "no WebSocket: this platform has no global WebSocket and the optional peer 'ws' is not installed (npm install ws)");
  }
}

/** A bounded queue behind one async iterator; when full, the oldest message goes and is counted. */
class MessageQueue {
  constructor(capacity, onDrop) {
    this.capacity = capacity;
    this.onDrop = onDrop;
    this.items = [];
    this.waiting = null;
    this.done = false;
    this.failure = null;
  }

  push(m) {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value: m, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.onDrop();
    }
    this.items.push(m);
  }

  end(failure) {
    if (this.done) return;
    this.done = true;
    this.failure = failure || null;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      if (this.failure) w.reject(this.failure); else w.resolve({ value: undefined, done: true });
    }
  }

  next() {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift(), done: false });
    if (this.done) {
      if (this.failure) {
        const f = this.failure;
        this.failure = null;
        return Promise.reject(f);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }
}

/** One topic of the client: its listeners, its last offset, and whether the hub confirmed it. */
class TopicState {
  constructor(topic) {
    this.topic = topic;
    this.lastOffset = undefined;
    this.listeners = new Set(); // Subscription
    /** The socket this topic is subscribed on (or being subscribed on). */
    this.subscribedOn = null;
    this.firstReply = null; // { promise, resolve, reject } until the hub first answers
  }
}

/**
 * One subscriber of one topic: a callback, an async iterator, or both. Create it with
 * {@link WsClient#subscribe}; end it with {@link Subscription#unsubscribe}.
 */
export class Subscription {
  constructor(client, state, callback) {
    this._client = client;
    this._state = state;
    this._callback = callback;
    this._queues = new Set();
    this.topic = state.topic;
    /** Messages the async iterators of this subscription dropped because their consumer was slow. */
    this.dropped = 0;
    this.active = true;
  }

  _deliver(m) {
    if (this._callback) {
      try {
        this._callback(m);
      } catch (e) {
        this._client._emit("error", { error: e, topic: this.topic, where: "subscription callback" });
      }
    }
    for (const q of this._queues) q.push(m);
  }

  _end(failure) {
    this.active = false;
    for (const q of this._queues) q.end(failure);
    this._queues.clear();
  }

  /** The topic's last offset this client delivered (undefined before any with history). */
  get lastOffset() {
    return this._state.lastOffset;
  }

  /**
   * The topic's messages from now on, in order. Bounded by the client's bufferSize: when the
   * consumer falls behind, the oldest queued message is dropped, counted in `dropped`, and the
   * client emits `dropped`. Ends when the subscription ends; throws when the hub refused the topic.
   */
  [Symbol.asyncIterator]() {
    const q = new MessageQueue(this._client._options.bufferSize, () => {
      this.dropped++;
      this._client._emit("dropped", { topic: this.topic, dropped: this.dropped });
    });
    if (this.active) this._queues.add(q); else q.end();
    return {
      next: () => q.next(),
      return: () => {
        this._queues.delete(q);
        q.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  /** Stops this subscriber; the last one of a topic unsubscribes it on the hub (settles on `unsubscribed`). */
  unsubscribe() {
    return this._client._release(this);
  }
}

/**
 * A reactive-wspool client. Events (`on(name, fn)` returns a function that removes fn):
 * - `welcome` {connectionId, userId, heartbeatIntervalMs, message}: after each (re)connect
 * - `close` {code, reason, kind, local, willReconnect}: the connection is gone; `local` when the
 *   client itself took a silent connection for dead (kind "heartbeat_timeout")
 * - `reconnecting` {attempt, delayMs}
 * - `gap` {topic, since, offset, reason}: messages of a topic are missing and cannot be replayed
 * - `message` (the hub's message): every message that is not a reply to a request of this client
 * - `dropped` {topic, dropped}: an async iterator dropped its oldest message (slow consumer)
 * - `error` {error, topic?}: a transport error, a refused resubscribe, a throwing callback
 */
export class WsClient {
  /**
   * @param {string} url ws:// or wss:// URL of the hub's endpoint, e.g. "wss://example.com/ws"
   * @param {object} [options] see index.d.ts (WsClientOptions)
   */
  constructor(url, options = {}) {
    if (typeof url !== "string" || !/^wss?:\/\//.test(url)) {
      throw new TypeError(`url must be a ws:// or wss:// URL, was ${JSON.stringify(url)}`);
    }
    this._options = { ...DEFAULTS, ...options };
    checkOptions(this._options);
    this.url = url;
    this._listeners = new Map();
    this._topics = new Map();
    this._pending = new Map(); // id -> { resolve, reject, timer }
    this._requestHandlers = new Map(); // type -> handler
    this._seq = 0;
    this._socket = null;
    this._open = false; // welcome received on _socket
    this._attempt = 0;
    this._timer = null; // reconnect backoff
    this._connectTimer = null; // no welcome yet
    this._liveness = null;
    this._lastHeard = 0;
    this._closed = false;
    this._stopped = false; // a client fault close: no reconnect
    this._started = false;
    this._firstWelcome = null;
    /** Connections made, 1 after the first welcome. */
    this.connections = 0;
    this.connectionId = undefined;
    this.userId = undefined;
    this.heartbeatIntervalMs = undefined;
  }

  // ------------------------------------------------------------------ events

  /** Adds an event listener; returns a function that removes it. */
  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return () => this._listeners.get(event).delete(fn);
  }

  /** Resolves with the first event of that name. */
  once(event) {
    return new Promise((resolve) => {
      const off = this.on(event, (e) => { off(); resolve(e); });
    });
  }

  _emit(event, payload) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(payload);
      } catch (e) {
        if (event !== "error") this._emit("error", { error: e, where: `${event} listener` });
      }
    }
  }

  // ------------------------------------------------------------------ connection

  /** True while a connection has been welcomed and not lost. */
  get connected() {
    return this._open;
  }

  /**
   * Starts connecting (once) and resolves with the first `welcome` event; rejects when the
   * client is closed or stops (a close code a reconnect cannot fix) before it.
   */
  connect() {
    if (!this._firstWelcome) {
      let resolve, reject;
      const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
      promise.catch(() => { });
      this._firstWelcome = { promise, resolve, reject };
    }
    if (this._closed) return Promise.reject(new WsError("closed", "client is closed"));
    if (!this._started) {
      this._started = true;
      this._dial();
    }
    return this._firstWelcome.promise;
  }

  async _dial() {
    this._timer = null;
    if (this._closed) return;
    let WS;
    try {
      WS = await resolveWebSocket(this._options.WebSocket);
    } catch (e) {
      this._stop(e);
      return;
    }
    if (this._closed) return;
    let url = this.url;
    const o = this._options;
    let token;
    try {
      token = typeof o.token === "function" ? await o.token() : o.token;
    } catch (e) {
      this._emit("error", { error: e, where: "token function" });
      this._scheduleReconnect();
      return;
    }
    if (this._closed) return;
    let socket;
    try {
      if (token && o.tokenIn === "query") {
        url += (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
      }
      if (token && o.tokenIn === "header") {
        if (WS === globalThis.WebSocket && typeof window !== "undefined") {
          throw new WsError("bad_input", 'tokenIn "header" needs the Node ws package: browsers cannot set headers on a WebSocket');
        }
        socket = new WS(url, { ...(o.wsOptions || {}), headers: { ...((o.wsOptions || {}).headers || {}), Authorization: `Bearer ${token}` } });
      } else {
        socket = o.wsOptions ? new WS(url, undefined, o.wsOptions) : new WS(url);
      }
    } catch (e) {
      if (e instanceof WsError) { this._stop(e); return; }
      this._emit("error", { error: e });
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.onmessage = (ev) => this._onFrame(socket, ev.data);
    socket.onerror = (ev) => {
      if (this._socket === socket) this._emit("error", { error: ev && (ev.error || ev.message) || new Error("WebSocket error") });
    };
    socket.onclose = (ev) => this._lost(socket, ev.code, ev.reason || "", false);
    socket.onopen = () => { this._heard(); };
    // A path that accepts TCP but never completes the upgrade or the welcome would hang forever.
    this._connectTimer = setTimeout(() => this._lost(socket, 1006, `no welcome within ${o.connectTimeoutMs} ms`, true), o.connectTimeoutMs);
  }

  _heard() {
    this._lastHeard = Date.now();
  }

  _onFrame(socket, raw) {
    if (socket !== this._socket) return; // a connection taken for dead no longer delivers
    this._heard();
    if (typeof raw !== "string") {
      this._emit("error", { error: new Error("binary frame ignored: this client speaks JSON text frames") });
      return;
    }
    let m;
    try {
      m = JSON.parse(raw);
    } catch (e) {
      this._emit("error", { error: new Error("frame is not JSON: " + raw.slice(0, 200)) });
      return;
    }
    if (!m || typeof m !== "object" || typeof m.type !== "string") {
      this._emit("error", { error: new Error("frame without a string type: " + raw.slice(0, 200)) });
      return;
    }
    if (m.type === "welcome") {
      this._onWelcome(socket, m);
      return;
    }
    if (m.id !== undefined && this._pending.has(m.id)) {
      const p = this._pending.get(m.id);
      this._pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.type === "error") p.reject(new WsError("server", m.error || "error", m)); else p.resolve(m);
      return;
    }
    if (isHubRequest(m)) {
      this._answer(socket, m);
      return;
    }
    if (m.topic !== undefined && !NOT_TOPIC_MESSAGES.has(m.type)) {
      const s = this._topics.get(m.topic);
      if (s) {
        if (m.type === "gap") {
          // The hub lost messages it cannot replay: the same as recovered:false, position included.
          const since = s.lastOffset;
          if (m.data && m.data.offset !== undefined) s.lastOffset = String(m.data.offset);
          this._emit("gap", { topic: s.topic, since, offset: s.lastOffset, reason: (m.data && m.data.reason) || "live gap", message: m });
          return;
        }
        if (m.offset !== undefined) s.lastOffset = m.offset;
        for (const sub of [...s.listeners]) sub._deliver(m);
      }
    }
    if (m.type !== "pong") this._emit("message", m); // pongs of the liveness pings
  }

  _onWelcome(socket, m) {
    const d = m.data || {};
    clearTimeout(this._connectTimer);
    this._open = true;
    this._attempt = 0;
    this.connections++;
    this.connectionId = d.connection_id;
    this.userId = d.user_id;
    this.heartbeatIntervalMs = this._options.heartbeatIntervalMs || d.heartbeat_interval_ms;
    this._startLiveness(socket);
    const event = { connectionId: d.connection_id, userId: d.user_id, heartbeatIntervalMs: this.heartbeatIntervalMs, message: m };
    for (const s of this._topics.values()) this._subscribeOn(s, socket);
    this._emit("welcome", event);
    if (this._firstWelcome) this._firstWelcome.resolve(event);
  }

  /**
   * Browsers cannot see the hub's ping frames, so the client watches frames itself: after one
   * heartbeat interval of silence it sends an application `ping` (the `pong`, or any other
   * frame, is proof of life); after interval x livenessFactor of silence the connection is dead.
   */
  _startLiveness(socket) {
    clearInterval(this._liveness);
    const interval = this.heartbeatIntervalMs;
    if (!(interval > 0)) return;
    const deadAfter = interval * this._options.livenessFactor;
    let pinged = 0;
    const tick = Math.max(10, Math.min(interval / 2, 1000));
    this._liveness = setInterval(() => {
      if (socket !== this._socket) return;
      const silent = Date.now() - this._lastHeard;
      if (silent >= deadAfter) {
        this._lost(socket, 4000, `no frame within ${Math.round(deadAfter)} ms`, true);
      } else if (silent >= interval && Date.now() - pinged >= interval) {
        pinged = Date.now();
        this._send(socket, { type: "ping" });
      }
    }, tick);
  }

  /** The socket is gone or taken for dead: once per socket, end its tasks and reconnect. */
  _lost(socket, code, reason, local) {
    if (socket !== this._socket) return;
    this._socket = null;
    this._open = false;
    clearTimeout(this._connectTimer);
    clearInterval(this._liveness);
    this._liveness = null;
    detach(socket);
    if (local) {
      // A silent path may never answer a close frame: drop the socket now (ws can), do not wait.
      try {
        if (typeof socket.terminate === "function") socket.terminate(); else socket.close(4000, reason);
      } catch (e) { /* already closing */ }
    }
    for (const s of this._topics.values()) if (s.subscribedOn === socket) s.subscribedOn = null;
    for (const [id, p] of this._pending) {
      if (p.socket === socket) {
        this._pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new WsError("disconnected", `connection lost before the reply (${code} ${reason})`));
      }
    }
    const stop = !this._options.reconnect || this._closed
      || (this._options.shouldReconnect ? !this._options.shouldReconnect({ code, reason }) : CLIENT_FAULTS.has(code));
    this._emit("close", { code, reason, kind: closeKind(code), local, willReconnect: !stop });
    if (stop) {
      if (!this._closed) this._stop(new WsError("closed", `connection closed with ${code} (${closeKind(code)}) ${reason}`.trim()));
      return;
    }
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (this._closed || this._stopped) return;
    const n = this._attempt++;
    const delayMs = backoffDelay(n, this._options.backoffInitialMs, this._options.backoffMaxMs, this._options.random);
    this._emit("reconnecting", { attempt: n + 1, delayMs });
    this._timer = setTimeout(() => this._dial(), delayMs);
  }

  _stop(error) {
    this._stopped = true;
    this._emit("error", { error });
    if (this._firstWelcome) this._firstWelcome.reject(error);
    this._endTopics(error);
  }

  _endTopics(failure) {
    for (const s of this._topics.values()) {
      if (s.firstReply) s.firstReply.reject(failure);
      for (const sub of s.listeners) sub._end();
    }
    this._topics.clear();
  }

  /** Closes the connection (1000) and stops reconnecting; pending requests reject with "closed". */
  close(code = 1000, reason = "client closed") {
    if (this._closed) return;
    this._closed = true;
    clearTimeout(this._timer);
    clearTimeout(this._connectTimer);
    clearInterval(this._liveness);
    const socket = this._socket;
    this._socket = null;
    this._open = false;
    const closed = new WsError("closed", "client is closed");
    for (const p of this._pending.values()) { clearTimeout(p.timer); p.reject(closed); }
    this._pending.clear();
    this._endTopics(closed);
    if (this._firstWelcome) this._firstWelcome.reject(closed);
    if (socket) {
      detach(socket);
      try { socket.close(code, reason); } catch (e) { /* not open yet */ }
    }
    this._emit("close", { code, reason, kind: closeKind(code), local: true, willReconnect: false });
  }

  // ------------------------------------------------------------------ sending

  _nextId() {
    return "c" + (++this._seq);
  }

  _send(socket, msg) {
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(msg));
    return true;
  }

  /** Sends a message without waiting for anything; false when there is no connection. */
  send(type, { topic, data, id } = {}) {
    if (typeof type !== "string" || type === "") throw new TypeError(`type must be a non-empty string, was ${JSON.stringify(type)}`);
    const msg = { type };
    if (topic !== undefined) msg.topic = topic;
    if (data !== undefined) msg.data = data;
    if (id !== undefined) msg.id = id;
    return this._open && this._send(this._socket, msg);
  }

  /**
   * Sends a message with a fresh `id` and resolves with the hub's reply carrying that id; rejects
   * with WsError "server" on an `error` reply, "timeout" after timeoutMs, "disconnected" when the
   * connection goes first, "not_connected" when there is none.
   */
  request(type, { topic, data } = {}, { timeoutMs } = {}) {
    if (typeof type !== "string" || type === "") throw new TypeError(`type must be a non-empty string, was ${JSON.stringify(type)}`);
    if (this._closed) return Promise.reject(new WsError("closed", "client is closed"));
    if (!this._open) return Promise.reject(new WsError("not_connected", `not connected: ${type} not sent`));
    const socket = this._socket;
    const id = this._nextId();
    const ms = timeoutMs ?? this._options.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new WsError("timeout", `no reply to ${type} (id ${id}) within ${ms} ms`));
      }, ms);
      this._pending.set(id, { resolve, reject, timer, socket });
      const msg = { type, id };
      if (topic !== undefined) msg.topic = topic;
      if (data !== undefined) msg.data = data;
      if (!this._send(socket, msg)) {
        this._pending.delete(id);
        clearTimeout(timer);
        reject(new WsError("not_connected", `not connected: ${type} not sent`));
      }
    });
  }

  /** Publishes to a topic; resolves with the `published` acknowledgement (see request for failures). */
  publish(topic, data, options) {
    return this.request("publish", { topic, data }, options);
  }

  /** Round trip to the hub; resolves with the milliseconds it took. */
  async ping(options) {
    const start = Date.now();
    await this.request("ping", {}, options);
    return Date.now() - start;
  }

  // ------------------------------------------------------------------ topics

  /**
   * Subscribes to a topic and resolves with a Subscription once the hub answered `subscribed`
   * (at once when the topic is already confirmed); rejects with WsError "server" on `error`.
   * Before a connection exists the subscribe waits for it. The optional callback receives each
   * topic message; the Subscription is also an async iterable of them.
   */
  subscribe(topic, callback) {
    if (typeof topic !== "string" || !TOPIC.test(topic)) {
      return Promise.reject(new WsError("bad_input", `invalid topic ${JSON.stringify(topic)}: 1 to 256 characters of A-Za-z0-9_.:/-`));
    }
    if (this._closed) return Promise.reject(new WsError("closed", "client is closed"));
    let s = this._topics.get(topic);
    if (!s) {
      s = new TopicState(topic);
      let resolve, reject;
      const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
      s.firstReply = { promise, resolve, reject };
      this._topics.set(topic, s);
      if (this._open) this._subscribeOn(s, this._socket);
    }
    const sub = new Subscription(this, s, callback);
    s.listeners.add(sub);
    const ready = s.firstReply ? s.firstReply.promise : Promise.resolve();
    return ready.then(() => sub, (e) => { sub._end(); throw e; });
  }

  _subscribeOn(s, socket) {
    if (s.subscribedOn === socket) return;
    s.subscribedOn = socket;
    const since = s.lastOffset;
    const id = this._nextId();
    const msg = { type: "subscribe", topic: s.topic, id };
    if (since !== undefined) msg.data = { since };
    this._pending.set(id, {
      socket,
      timer: undefined,
      resolve: (reply) => this._onSubscribed(s, since, reply),
      reject: (e) => this._onSubscribeFailed(s, socket, e),
    });
    this._send(socket, msg);
  }

  _onSubscribed(s, since, reply) {
    if (this._topics.get(s.topic) !== s) return;
    const d = reply.data || {};
    if (since !== undefined && d.recovered === false) {
      // Resume from the hub's latest offset, or every later reconnect reports the same gap.
      if (d.offset !== undefined && since === s.lastOffset) s.lastOffset = String(d.offset);
      this._emit("gap", { topic: s.topic, since, offset: s.lastOffset, reason: "not recovered", message: reply });
    }
    if (s.firstReply) {
      s.firstReply.resolve();
      s.firstReply = null;
    }
  }

  _onSubscribeFailed(s, socket, e) {
    if (s.subscribedOn === socket) s.subscribedOn = null;
    if (e.code !== "server" || this._topics.get(s.topic) !== s) return; // lost: the next connection resubscribes
    this._topics.delete(s.topic);
    const first = s.firstReply;
    s.firstReply = null;
    if (first) first.reject(e); else this._emit("error", { error: e, topic: s.topic });
    for (const sub of s.listeners) sub._end(first ? undefined : e);
  }

  async _release(sub) {
    if (!sub.active) return;
    const s = sub._state;
    sub._end();
    s.listeners.delete(sub);
    if (s.listeners.size > 0 || this._topics.get(s.topic) !== s) return;
    this._topics.delete(s.topic);
    if (s.firstReply) s.firstReply.reject(new WsError("closed", `unsubscribed from ${s.topic} before the hub answered`));
    if (s.subscribedOn && s.subscribedOn === this._socket && this._open) {
      s.subscribedOn = null;
      try {
        await this.request("unsubscribe", { topic: s.topic });
      } catch (e) {
        if (e.code === "server") throw e; // a lost connection unsubscribes anyway
      }
    }
  }

  // ------------------------------------------------------------------ requests from the hub

  /**
   * Answers the hub's requests of this type (PROTOCOL.md, Requests of the hub: messages whose `id`
   * begins with "hub:"): the handler's value (or resolved promise) goes back as
   * {type: "ack", id, data: value}; a throw or rejection as {type: "ack", id, error}. A request of
   * a type without a handler is refused at once ({type: "ack", id, error: "no handler …"}), so the
   * hub does not wait for its timeout. Returns a function that removes the handler.
   */
  onRequest(type, handler) {
    if (typeof handler !== "function") throw new TypeError(`handler for ${JSON.stringify(type)} must be a function`);
    this._requestHandlers.set(type, handler);
    return () => { if (this._requestHandlers.get(type) === handler) this._requestHandlers.delete(type); };
  }

  async _answer(socket, m) {
    const reply = { type: ACK, id: m.id };
    const handler = this._requestHandlers.get(m.type);
    try {
      if (!handler) throw new Error(`no handler for '${m.type}' on this client (onRequest)`);
      const value = await handler(m);
      if (value !== undefined) reply.data = value;
    } catch (e) {
      reply.error = String((e && e.message) || e);
    }
    // An answer for a connection that is gone is dropped: the hub failed the request when it closed.
    this._send(socket === this._socket ? socket : null, reply);
  }
}

/** Shorthand: `const client = connect(url, options)` creates a WsClient and starts connecting. */
export function connect(url, options) {
  const client = new WsClient(url, options);
  client.connect().catch(() => { });
  return client;
}
