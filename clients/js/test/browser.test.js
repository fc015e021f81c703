// The package's ES module loaded by a page in headless Chromium (the browser's own WebSocket, no
// bundler, no dependency), against the real standalone server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, stopAll, ALICE_TOKEN, BOB_TOKEN } from "./support/server.js";
import { startPageServer } from "./support/page-server.js";
import { startBrowser } from "./support/chromium.js";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>client test</title>
<link rel="icon" href="data:,"></head><body>
<script type="module">
  import { WsClient } from "/src/index.js";
  window.WsClient = WsClient;
  window.loaded = true;
</script></body></html>`;

let hub, pages, browser;
before(async () => {
  [hub, browser] = await Promise.all([startServer(), startBrowser()]);
  pages = await startPageServer(hub.port, { "/": PAGE });
});
after(async () => {
  await browser?.close();
  await pages?.close();
  await stopAll();
});

test("in Chromium: publish with ack, messages by iterator, admin disconnect, reconnect and resubscribe", { timeout: 60000 }, async () => {
  await browser.open(pages.url + "/");
  const first = await browser.run(`
    while (!window.loaded) await new Promise((r) => setTimeout(r, 20));
    const url = location.origin.replace(/^http/, "ws") + "/ws";
    const reader = window.reader = new WsClient(url, { token: args[0], livenessFactor: 10, backoffInitialMs: 50, backoffMaxMs: 300 });
    const writer = window.writer = new WsClient(url, { token: args[1], livenessFactor: 10 });
    const [w] = await Promise.all([reader.connect(), writer.connect()]);
    const sub = await reader.subscribe("pub.browser");
    const it = window.it = sub[Symbol.asyncIterator]();
    window.closes = []; window.gaps = [];
    reader.on("close", (e) => window.closes.push(e));
    reader.on("gap", (g) => window.gaps.push(g));
    const acks = [];
    for (let i = 0; i < 3; i++) acks.push((await writer.publish("pub.browser", { n: i })).type);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await it.next()).value);
    return { user: w.userId, acks, got: got.map((m) => m.data.n), offsets: got.map((m) => typeof m.offset),
             pong: (await reader.request("ping")).type };
  `, ALICE_TOKEN, BOB_TOKEN);
  assert.deepEqual(first, { user: "alice", acks: ["published", "published", "published"], got: [0, 1, 2],
    offsets: ["string", "string", "string"], pong: "pong" });

  const res = await hub.admin("POST", "/disconnect", { user_id: "alice", reason: "maintenance" });
  assert.equal(res.body.disconnected, 1);

  const second = await browser.run(`
    while (!(reader.connections === 2 && reader.connected)) await new Promise((r) => setTimeout(r, 20));
    await writer.publish("pub.browser", { n: 3 });
    const m = (await it.next()).value;
    return { closes: closes.map((e) => [e.code, e.reason, e.kind, e.willReconnect]), gaps: gaps.length, n: m.data.n };
  `);
  assert.deepEqual(second, { closes: [[1000, "maintenance", "normal", true]], gaps: 0, n: 3 });

  const log = await browser.consoleLog();
  assert.deepEqual(log.filter((e) => e.level === "SEVERE"), []);
});
