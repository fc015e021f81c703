// The Node reference of the fan-out and connection benchmarks: a `ws` server speaking the part of
// docs/PROTOCOL.md the load generator uses (welcome, subscribe, unsubscribe, publish, ping), written the
// way a careful Node user writes one: each publish is turned into its `data` message once, one Buffer,
// and that Buffer is sent to every other subscriber of the topic. A subscriber whose socket holds more
// than 64 KiB unsent (Netty's default high water mark, as the bare Java server) does not get the message,
// which is dropped and counted, as the bare server does.
//
//   node server.mjs [--host=127.0.0.1] [--port=8080] [--path=/ws] [--max-lifetime=1800]
import { WebSocketServer } from 'ws';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
  return [m[1], m[2]];
}));
const host = args.host ?? '127.0.0.1';
const port = Number(args.port ?? 8080);
const path = args.path ?? '/ws';
const maxLifetimeSeconds = Number(args['max-lifetime'] ?? 1800);
const HIGH_WATER = 64 * 1024;
const TOPIC = /^[A-Za-z0-9_.:/-]{1,256}$/;

const topics = new Map(); // topic -> Set of sockets
let nextId = 0;
let dropped = 0;

const wss = new WebSocketServer({ host, port, path, perMessageDeflate: false, maxPayload: 65536 });

function reply(ws, type, topic, id) {
  const msg = { type };
  if (topic !== undefined) msg.topic = topic;
  if (id !== undefined) msg.id = id;
  ws.send(JSON.stringify(msg));
}

function error(ws, reason, id) {
  const msg = { type: 'error', error: reason };
  if (id !== undefined) msg.id = id;
  ws.send(JSON.stringify(msg));
}

wss.on('connection', (ws) => {
  const subscribed = new Set();
  ws.send(JSON.stringify({
    type: 'welcome',
    data: { connection_id: `n${++nextId}`, user_id: null, heartbeat_interval_ms: 0 },
  }));
  ws.on('message', (raw, isBinary) => {
    if (isBinary) {
      error(ws, 'binary frames are not accepted');
      return;
    }
    let msg;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      error(ws, 'malformed JSON');
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    if (typeof msg.type !== 'string') {
      error(ws, 'missing type', id);
      return;
    }
    const topic = typeof msg.topic === 'string' ? msg.topic : undefined;
    switch (msg.type) {
      case 'subscribe': {
        if (!topic || !TOPIC.test(topic)) {
          error(ws, 'invalid topic', id);
          return;
        }
        let set = topics.get(topic);
        if (!set) topics.set(topic, (set = new Set()));
        set.add(ws);
        subscribed.add(topic);
        reply(ws, 'subscribed', topic, id);
        return;
      }
      case 'unsubscribe': {
        topics.get(topic)?.delete(ws);
        subscribed.delete(topic);
        reply(ws, 'unsubscribed', topic, id);
        return;
      }
      case 'publish': {
        if (!topic || !TOPIC.test(topic)) {
          error(ws, 'invalid topic', id);
          return;
        }
        // Encoded once: one Buffer for every subscriber.
        const out = Buffer.from(JSON.stringify({ type: 'data', topic, data: msg.data }));
        for (const s of topics.get(topic) ?? []) {
          if (s === ws || s.readyState !== 1) continue;
          if (s.bufferedAmount > HIGH_WATER) {
            dropped++;
            continue;
          }
          s.send(out, { binary: false });
        }
        if (id !== undefined) reply(ws, 'published', topic, id);
        return;
      }
      case 'ping':
        reply(ws, 'pong', undefined, id);
        return;
      default:
        error(ws, 'unknown message type', id);
    }
  });
  ws.on('close', () => {
    for (const t of subscribed) topics.get(t)?.delete(ws);
  });
  ws.on('error', () => {});
});

function stop(why) {
  console.log(`ws-node-server ${why}, dropped ${dropped}`);
  wss.close();
  for (const c of wss.clients) c.terminate();
  process.exit(0);
}

wss.on('listening', () => {
  console.log(`ws-node-server listening on ${host}:${port}${path} (node ${process.version}, pid ${process.pid})`);
});
process.on('SIGTERM', () => stop('stopped'));
process.on('SIGINT', () => stop('stopped'));
setTimeout(() => stop(`reached --max-lifetime=${maxLifetimeSeconds}s`), maxLifetimeSeconds * 1000).unref();
