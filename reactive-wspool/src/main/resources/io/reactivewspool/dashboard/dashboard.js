// Operator dashboard over the hub's admin API (docs/PROTOCOL.md, "Admin HTTP API"): polls
// GET /stats and GET /connections every second with the admin bearer token, draws the send rate,
// and posts /broadcast and /disconnect. It is served at ADMIN_API/dashboard/, so the API is the
// path above it, whatever base path the server gives the admin API.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const API = location.pathname.replace(/\/dashboard(\/.*)?$/, "");
  const HISTORY = 60;
  const state = { token: null, timer: null, lastSent: null, lastAt: null, rates: [] };

  async function api(method, path, body) {
    const res = await fetch(API + path, {
      method,
      headers: { "Authorization": "Bearer " + state.token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: keep the text */ }
    if (!res.ok) throw new Error(`${res.status}: ${json && (json.error || json.message) || text}`);
    return json;
  }

  function setStatus(text, on) {
    const s = $("status");
    s.textContent = text;
    s.className = "status " + (on ? "on" : "off");
  }

  async function refresh() {
    try {
      const [stats, connections] = await Promise.all([api("GET", "/stats"), api("GET", "/connections")]);
      setStatus("live", true);
      render(stats, connections);
    } catch (e) {
      setStatus("error", false);
      if (String(e.message).startsWith("401") || String(e.message).startsWith("403")) {
        clearInterval(state.timer);
        $("dashboard").hidden = true;
        $("login").hidden = false;
        $("login-error").textContent = "The admin API refused the token (" + e.message + ").";
      }
    }
  }

  function render(stats, connections) {
    const topics = stats.topic_subscribers || {};
    $("active-connections").textContent = String(stats.active_connections);
    $("topic-count").textContent = String(Object.keys(topics).length);
    $("messages-sent").textContent = String(stats.messages_sent);

    const now = performance.now();
    if (state.lastSent !== null) {
      const rate = Math.max(0, (stats.messages_sent - state.lastSent) / ((now - state.lastAt) / 1000));
      state.rates.push(rate);
      if (state.rates.length > HISTORY) state.rates.shift();
      $("send-rate").textContent = rate.toFixed(1);
    }
    state.lastSent = stats.messages_sent;
    state.lastAt = now;
    drawChart();

    $("topics").replaceChildren(...Object.entries(topics).sort().map(([t, n]) => row([t, String(n)])));

    const list = Array.isArray(connections) ? connections : (connections && connections.connections) || [];
    $("connections").replaceChildren(...list.map((c) => {
      const tr = row([c.connection_id, c.user_id || "anonymous", c.state, (c.topics || []).join(", "),
        String(c.sent ?? c.messages_sent ?? ""), String(c.dropped ?? c.messages_dropped ?? "")]);
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.textContent = "Disconnect";
      b.dataset.connectionId = c.connection_id;
      b.onclick = async () => {
        await api("POST", "/disconnect", { connection_ids: [c.connection_id], reason: "disconnected by operator" });
        refresh();
      };
      td.append(b);
      tr.append(td);
      return tr;
    }));
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  }

  function drawChart() {
    const canvas = $("rate-chart");
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1, ...state.rates);
    ctx.strokeStyle = "#1e293b";
    ctx.beginPath();
    for (let i = 1; i < 4; i++) { ctx.moveTo(0, (h * i) / 4); ctx.lineTo(w, (h * i) / 4); }
    ctx.stroke();
    ctx.strokeStyle = "#38bdf8";
    ctx.lineWidth = 2;
    ctx.beginPath();
    state.rates.forEach((r, i) => {
      const x = (i / (HISTORY - 1)) * w;
      const y = h - (r / max) * (h - 10) - 5;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = "#94a3b8";
    ctx.font = "12px system-ui";
    ctx.fillText(`max ${max.toFixed(1)} msg/s`, 8, 14);
  }

  $("login-form").onsubmit = (e) => {
    e.preventDefault();
    state.token = $("admin-token").value;
    sessionStorage.setItem("wspool-admin-token", state.token);
    $("login").hidden = true;
    $("dashboard").hidden = false;
    refresh();
    state.timer = setInterval(refresh, 1000);
  };

  $("broadcast-form").onsubmit = async (e) => {
    e.preventDefault();
    try {
      const res = await api("POST", "/broadcast", {
        topic: $("bc-topic").value, message_type: $("bc-type").value, data: { message: $("bc-text").value },
      });
      $("bc-result").textContent = `reached ${res.reached ?? res.delivered ?? JSON.stringify(res)} connection(s)`;
    } catch (err) {
      $("bc-result").textContent = "broadcast failed: " + err.message;
    }
  };

  const saved = sessionStorage.getItem("wspool-admin-token");
  if (saved) { $("admin-token").value = saved; }
})();
