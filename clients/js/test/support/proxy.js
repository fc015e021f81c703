// A TCP proxy whose open connections can be frozen: while frozen it forwards nothing in either
// direction and keeps both sockets open, like a network path that silently stopped delivering.
// Connections accepted after freeze() pass normally (the path of a reconnect is healthy).
import net from "node:net";

export function startProxy(targetPort) {
  const pairs = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on("data", (b) => { if (!pair.frozen) upstream.write(b); });
    upstream.on("data", (b) => { if (!pair.frozen) client.write(b); });
    // end(), not destroy(), on a close: what one side sent last (a close frame) still goes through.
    const fail = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on("close", () => { pairs.delete(pair); upstream.end(); });
    upstream.on("close", () => { pairs.delete(pair); client.end(); });
    client.on("error", fail);
    upstream.on("error", fail);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: server.address().port,
    /** Connections open now. */
    get connections() { return pairs.size; },
    /** Stops every open connection's traffic; they stay open. */
    freeze() { for (const p of pairs) p.frozen = true; },
    close() {
      for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); }
      return new Promise((r) => server.close(() => r()));
    },
  })));
}
