// Runs the real standalone server (samples/standalone-server/target/standalone-server.jar, built by
// `mvn package` or `mvn verify`) on a given port, and stops it with SIGTERM (1001 to every client).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const JAR = path.resolve(here, "../../../../samples/standalone-server/target/standalone-server.jar");

export const ALICE_TOKEN = "alice-secret-token";
export const BOB_TOKEN = "bob-secret-token";
export const ADMIN_TOKEN = "admin-secret-token";

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    c.setTimeout(2000, () => { c.destroy(); resolve(false); });
    c.once("connect", () => { c.destroy(); resolve(true); });
    c.once("error", () => resolve(false));
  });
}

/** Every server started and not yet stopped: a test that timed out before its finally leaves one. */
const running = new Set();

/** Stops every server still running (an after hook's safety net, so the test process can exit). */
export function stopAll() {
  return Promise.all([...running].map((s) => s.stop()));
}

/**
 * Starts the server and resolves once it accepts TCP connections. Flags: history in memory (lost on
 * restart, which is what the gap test needs), a short heartbeat so liveness tests stay fast.
 */
export async function startServer({ port, heartbeatMs = 400, extra = [] } = {}) {
  if (!existsSync(JAR)) {
    throw new Error(`${JAR} is missing: build it first (mvn -B -ntp -pl samples/standalone-server -am package -DskipTests)`);
  }
  port = port ?? await freePort();
  const args = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx128m", "-jar", JAR,
    "--host=127.0.0.1", `--port=${port}`, "--publish-topics=pub.*", "--history-size=100",
    `--heartbeat-ms=${heartbeatMs}`, "--connection-timeout-ms=60000", "--drain-ms=0", "--io-threads=1",
    `--token=alice=${ALICE_TOKEN}`, `--token=bob=${BOB_TOKEN}`, `--admin-token=${ADMIN_TOKEN}`, ...extra];
  const proc = spawn("java", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (b) => { log = (log + b.toString()).slice(-20000); };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${log}`);
    // The log line, not the bound port: connections accepted before it may be closed unanswered.
    if (log.includes("standalone server listening") && await canConnect(port)) break;
    if (Date.now() > deadline) { proc.kill("SIGKILL"); throw new Error(`server did not listen on ${port} within 60 s:\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const server = {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    log: () => log,
    /** SIGTERM: the server closes every connection with 1001, then exits. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 20000);
      await exited;
      clearTimeout(t);
      running.delete(server);
    },
    async admin(method, p, body) {
      const res = await fetch(`http://127.0.0.1:${port}/api/admin/websockets${p}`, {
        method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
  };
  running.add(server);
  return server;
}
