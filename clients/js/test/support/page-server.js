// Serves the package's files and a test page over HTTP, and passes WebSocket upgrades on /ws
// through to the hub unchanged, so that the page and the hub share one origin (the hub admits
// same-origin pages only, as it does with no allowed origins configured).
import http from "node:http";
import net from "node:net";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function startPageServer(hubPort, pages) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (pages[url.pathname]) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(pages[url.pathname]);
      return;
    }
    if (url.pathname.startsWith("/src/") && url.pathname.endsWith(".js")) {
      try {
        const body = await readFile(path.join(root, path.normalize(url.pathname)));
        res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8" });
        res.end(body);
        return;
      } catch (e) { /* 404 below */ }
    }
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
  });
  // Upgraded sockets leave the HTTP server's books (closeAllConnections does not see them), so the
  // tunnels are tracked here and close() destroys what is left.
  const tunnels = new Set();
  server.on("upgrade", (req, socket, head) => {
    const upstream = net.connect(hubPort, "127.0.0.1", () => {
      let raw = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(raw + "\r\n");
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    for (const s of [socket, upstream]) {
      tunnels.add(s);
      s.once("close", () => tunnels.delete(s));
    }
    // end(), not destroy(), on a close: the hub's close frame may still be on its way through. The
    // closed side's pipe is gone, so the other side is resumed: unread bytes would otherwise hold
    // back its 'end' (and 'close') for good.
    const fail = () => { socket.destroy(); upstream.destroy(); };
    socket.on("error", fail);
    upstream.on("error", fail);
    socket.on("close", () => { upstream.end(); upstream.resume(); });
    upstream.on("close", () => { socket.end(); socket.resume(); });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections?.();
      for (const s of tunnels) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  })));
}
