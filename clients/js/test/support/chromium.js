// Headless Chromium through chromedriver's W3C WebDriver HTTP API, with plain fetch: no Selenium.
import { spawn } from "node:child_process";
import { freePort } from "./server.js";

const CHROMIUM = process.env.CHROMIUM_BINARY || "/usr/bin/chromium";
const CHROMEDRIVER = process.env.CHROMEDRIVER_BINARY || "/usr/bin/chromedriver";

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(90000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
  return json.value;
}

/** Starts chromedriver and one headless Chromium session; close() ends both. */
export async function startBrowser() {
  const port = await freePort();
  const driver = spawn(CHROMEDRIVER, [`--port=${port}`], { stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      if ((await call(base, "GET", "/status")).ready) break;
    } catch (e) { /* not listening yet */ }
    if (Date.now() > deadline) { driver.kill(); throw new Error("chromedriver did not start within 30 s"); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const session = await call(base, "POST", "/session", {
    capabilities: {
      alwaysMatch: {
        browserName: "chrome",
        "goog:chromeOptions": {
          binary: CHROMIUM,
          args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        },
        "goog:loggingPrefs": { browser: "ALL" },
        timeouts: { script: 40000 },
      },
    },
  });
  const s = `/session/${session.sessionId}`;
  return {
    open: (url) => call(base, "POST", `${s}/url`, { url }),
    /** Runs an async function body in the page; resolves with what it returns (JSON). */
    async run(body, ...args) {
      const script = `const done = arguments[arguments.length - 1];
        (async (...args) => { ${body} })(...Array.prototype.slice.call(arguments, 0, -1))
          .then((v) => done({ ok: v }), (e) => done({ failed: String(e && e.stack || e) }));`;
      const r = await call(base, "POST", `${s}/execute/async`, { script, args });
      if (r.failed) throw new Error("in the page: " + r.failed);
      return r.ok;
    },
    /** The page's console messages since the last call. */
    consoleLog: () => call(base, "POST", `${s}/se/log`, { type: "browser" }),
    async close() {
      try { await call(base, "DELETE", s); } finally { driver.kill(); }
    },
  };
}
