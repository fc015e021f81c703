// Types of reactive-wspool-client (hand-written; the package ships plain ES modules, no build step).

/** One message of the wire protocol (docs/PROTOCOL.md, "The envelope"). */
export interface WsMessage<D = unknown> {
  type: string;
  topic?: string;
  data?: D;
  id?: string;
  timestamp?: string;
  /** Position in the topic's history; opaque. Present when the hub keeps history. */
  offset?: string;
  /** Only on `error` messages. */
  error?: string;
}

/** The names of docs/PROTOCOL.md section 7, by close code. */
export type CloseKind =
  | "normal" | "going_away" | "protocol_error" | "unsupported_data" | "abnormal" | "invalid_data"
  | "policy" | "too_big" | "server_error" | "try_again_later" | "heartbeat_timeout" | "slow_consumer" | "unknown";

export interface WelcomeEvent {
  connectionId: string;
  userId: string | null;
  heartbeatIntervalMs: number;
  message: WsMessage;
}

export interface CloseEvent {
  code: number;
  reason: string;
  kind: CloseKind;
  /** True when the client closed: close(), or a silent connection taken for dead (code 4000). */
  local: boolean;
  willReconnect: boolean;
}

export interface ReconnectingEvent {
  /** 1 for the first attempt after a loss. */
  attempt: number;
  delayMs: number;
}

export interface GapEvent {
  topic: string;
  /** The offset the client resubscribed with (undefined for a live gap before any message). */
  since?: string;
  /** Where the client resumes from next time. */
  offset?: string;
  /** "not recovered" (subscribed with recovered:false) or the reason of the hub's live `gap`. */
  reason: string;
  message: WsMessage;
}

export interface DroppedEvent {
  topic: string;
  /** Messages this subscription's iterators dropped so far. */
  dropped: number;
}

export interface ErrorEvent {
  error: unknown;
  topic?: string;
  where?: string;
}

export interface WsClientEvents {
  welcome: WelcomeEvent;
  close: CloseEvent;
  reconnecting: ReconnectingEvent;
  gap: GapEvent;
  /** Every message that is not the reply to one of this client's requests. */
  message: WsMessage;
  dropped: DroppedEvent;
  error: ErrorEvent;
}

export interface WsClientOptions {
  /** Sent as `?token=` (default) or `Authorization: Bearer` (tokenIn "header"); a function is called on every connect. */
  token?: string | (() => string | Promise<string>);
  /** "header" needs a WebSocket that takes headers: Node's `ws` or undici; browsers cannot. Default "query". */
  tokenIn?: "query" | "header";
  /** Overrides the welcome's heartbeat_interval_ms. */
  heartbeatIntervalMs?: number;
  /** The connection is dead after heartbeat interval x this much silence (an application ping goes after one interval). Default 2.5. */
  livenessFactor?: number;
  /** First reconnect delay ceiling; doubles per failed attempt. Default 500. */
  backoffInitialMs?: number;
  /** Cap of the reconnect delay. Default 15000. */
  backoffMaxMs?: number;
  /** Default timeout of request() and publish(). Default 10000. */
  requestTimeoutMs?: number;
  /** A connection without its welcome after this long is dropped and retried. Default 10000. */
  connectTimeoutMs?: number;
  /** Messages each async iterator holds for a slow consumer; beyond it the oldest is dropped. Default 1024. */
  bufferSize?: number;
  /** Reconnect at all. Default true. */
  reconnect?: boolean;
  /** Decides per close whether to reconnect. Default: not after 1002, 1003, 1007, 1008, 1009 (client faults). */
  shouldReconnect?: (close: { code: number; reason: string }) => boolean;
  /** A WebSocket constructor; default the global one, else the `ws` package. */
  WebSocket?: unknown;
  /** Third constructor argument of `ws` (Node), e.g. { perMessageDeflate: false }. */
  wsOptions?: Record<string, unknown>;
  /** For tests: the random source of the backoff jitter. */
  random?: () => number;
}

export type WsErrorCode = "server" | "timeout" | "disconnected" | "not_connected" | "closed" | "bad_input";

export class WsError extends Error {
  readonly code: WsErrorCode;
  /** The hub's `error` message when code is "server". */
  readonly reply?: WsMessage;
}

export class Subscription<D = unknown> implements AsyncIterable<WsMessage<D>> {
  readonly topic: string;
  /** Messages this subscription's async iterators dropped because their consumer was slow. */
  readonly dropped: number;
  readonly active: boolean;
  /** The last offset of the topic this client delivered. */
  readonly lastOffset: string | undefined;
  [Symbol.asyncIterator](): AsyncIterator<WsMessage<D>>;
  /** Ends this subscriber; the last one of its topic unsubscribes on the hub. */
  unsubscribe(): Promise<void>;
}

export class WsClient {
  constructor(url: string, options?: WsClientOptions);
  readonly url: string;
  readonly connected: boolean;
  /** Connections welcomed so far. */
  readonly connections: number;
  readonly connectionId?: string;
  readonly userId?: string | null;
  readonly heartbeatIntervalMs?: number;

  on<K extends keyof WsClientEvents>(event: K, listener: (e: WsClientEvents[K]) => void): () => void;
  once<K extends keyof WsClientEvents>(event: K): Promise<WsClientEvents[K]>;

  /** Starts connecting; resolves with the first welcome. */
  connect(): Promise<WelcomeEvent>;
  close(code?: number, reason?: string): void;

  subscribe<D = unknown>(topic: string, callback?: (message: WsMessage<D>) => void): Promise<Subscription<D>>;
  publish(topic: string, data: unknown, options?: { timeoutMs?: number }): Promise<WsMessage>;
  request<R = unknown>(type: string, message?: { topic?: string; data?: unknown }, options?: { timeoutMs?: number }): Promise<WsMessage<R>>;
  send(type: string, message?: { topic?: string; data?: unknown; id?: string }): boolean;
  ping(options?: { timeoutMs?: number }): Promise<number>;
  /**
   * Answers the hub's requests of this type (ids beginning with HUB_REQUEST_PREFIX) with
   * {type: "ack", id, data} from the handler's value, or {type: "ack", id, error} when it throws.
   * A request of a type without a handler is refused at once with error "no handler …".
   */
  onRequest<D = unknown>(type: string, handler: (message: WsMessage<D>) => unknown | Promise<unknown>): () => void;
}

/** How the id of every request of the hub begins: "hub:" (PROTOCOL.md, Requests of the hub). */
export const HUB_REQUEST_PREFIX: "hub:";

export function connect(url: string, options?: WsClientOptions): WsClient;
export function closeKind(code: number): CloseKind;
export function backoffDelay(n: number, initialMs: number, maxMs: number, random?: () => number): number;
