// The chat page: plain JavaScript over the reactive-wspool wire protocol (docs/PROTOCOL.md).
// Standard messages: welcome, subscribe/subscribed, error, heartbeat. The chat app adds:
//   join/leave {topic}          -> joined {topic, members} to me, member_joined/member_left to the room
//   chat {topic, data:{text}}   -> chat {topic, data:{from, text}} to the room
//   direct {data:{to, text}}    -> notification {data:{from, text}} to every connection of user "to"
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const state = { ws: null, me: null, rooms: new Map(), current: null, seq: 0, backoff: 500, wanted: false, login: null };

  const ROOM_PREFIX = "chat.";
  const nextId = () => "c" + (++state.seq);

  function setStatus(text, on) {
    const s = $("status");
    s.textContent = text;
    s.dataset.state = text;
    s.className = "status " + (on ? "on" : "off");
  }

  function send(msg) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  function connect() {
    const params = new URLSearchParams();
    if (state.login.token) params.set("token", state.login.token); else params.set("name", state.login.name);
    const url = location.origin.replace(/^http/, "ws") + "/ws?" + params.toString();
    setStatus("connecting", false);
    const ws = new WebSocket(url);
    state.ws = ws;
    ws.onopen = () => { state.backoff = 500; };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { console.warn("not JSON", ev.data); return; }
      handle(msg);
    };
    ws.onclose = (ev) => {
      setStatus("disconnected", false);
      addSystem(`connection closed (${ev.code}${ev.reason ? ": " + ev.reason : ""})`);
      if (state.wanted && ev.code !== 1008) {
        const delay = state.backoff * (0.5 + Math.random());
        state.backoff = Math.min(state.backoff * 2, 15000);
        setTimeout(connect, delay);
      }
    };
  }

  function handle(msg) {
    switch (msg.type) {
      case "welcome":
        state.me = msg.data.user_id || msg.data.connection_id;
        setStatus("connected", true);
        $("whoami").textContent = `signed in as ${msg.data.user_id || "anonymous"} · connection ${msg.data.connection_id}`;
        send({ type: "subscribe", topic: "announcements", id: nextId() });
        for (const room of state.rooms.keys()) send({ type: "join", topic: ROOM_PREFIX + room, id: nextId() });
        break;
      case "joined":
        roomFor(msg.topic).members = msg.data.members || [];
        renderRooms();
        if (!state.current || state.current === roomName(msg.topic)) select(roomName(msg.topic));
        break;
      case "member_joined":
      case "member_left": {
        const r = roomFor(msg.topic);
        r.members = msg.data.members || r.members;
        addTo(roomName(msg.topic), { system: `${msg.data.user} ${msg.type === "member_joined" ? "joined" : "left"}` });
        if (state.current === roomName(msg.topic)) renderMembers();
        break;
      }
      case "chat":
        addTo(roomName(msg.topic), { from: msg.data.from, text: msg.data.text, at: msg.timestamp });
        break;
      case "notification":
        notify(`${msg.data.from ? msg.data.from + ": " : ""}${msg.data.text || JSON.stringify(msg.data)}`);
        break;
      case "direct_sent":
        addSystem(`direct message to ${msg.data.to} reached ${msg.data.delivered} connection(s)`);
        break;
      case "error":
        addSystem("error: " + msg.error, "error");
        break;
      case "subscribed": case "heartbeat": case "pong": case "unsubscribed":
        break;
      default:
        if (msg.topic === "announcements") notify(`📢 ${msg.type}: ${msg.data && (msg.data.message || msg.data.text) || JSON.stringify(msg.data)}`);
    }
  }

  const roomName = (topic) => topic.startsWith(ROOM_PREFIX) ? topic.substring(ROOM_PREFIX.length) : topic;
  function roomFor(topic) {
    const name = roomName(topic);
    if (!state.rooms.has(name)) state.rooms.set(name, { messages: [], members: [] });
    return state.rooms.get(name);
  }

  function addTo(room, entry) {
    roomFor(ROOM_PREFIX + room).messages.push(entry);
    if (state.current === room) renderMessages();
  }
  function addSystem(text, cls) {
    if (state.current) addTo(state.current, { system: text, cls });
  }
  function notify(text) {
    const li = document.createElement("li");
    li.textContent = text;
    $("notifications").prepend(li);
  }

  function select(room) {
    state.current = room;
    $("room-title").textContent = "#" + room;
    $("text").disabled = false;
    $("send").disabled = false;
    renderRooms(); renderMessages(); renderMembers();
  }

  function renderRooms() {
    const ul = $("rooms");
    ul.replaceChildren(...[...state.rooms.keys()].map((r) => {
      const li = document.createElement("li");
      li.textContent = "#" + r;
      li.dataset.room = r;
      if (r === state.current) li.className = "active";
      li.onclick = () => select(r);
      return li;
    }));
  }
  function renderMembers() {
    const r = state.rooms.get(state.current);
    $("members").replaceChildren(...(r ? r.members : []).map((m) => {
      const li = document.createElement("li");
      li.textContent = m;
      return li;
    }));
  }
  function renderMessages() {
    const r = state.rooms.get(state.current);
    const ol = $("messages");
    ol.replaceChildren(...(r ? r.messages : []).map((m) => {
      const li = document.createElement("li");
      if (m.system) { li.className = m.cls || "system"; li.textContent = m.system; return li; }
      const from = document.createElement("span");
      from.className = "from";
      from.textContent = m.from;
      li.append(from, document.createTextNode(m.text));
      return li;
    }));
    ol.scrollTop = ol.scrollHeight;
  }

  $("login-form").onsubmit = (e) => {
    e.preventDefault();
    state.login = { name: $("name").value.trim(), token: $("token").value.trim() };
    state.wanted = true;
    $("login").hidden = true;
    $("chat").hidden = false;
    connect();
  };
  $("join-form").onsubmit = (e) => {
    e.preventDefault();
    const room = $("room").value.trim();
    if (!room) return;
    roomFor(ROOM_PREFIX + room);
    send({ type: "join", topic: ROOM_PREFIX + room, id: nextId() });
    $("room").value = "";
    select(room);
  };
  $("send-form").onsubmit = (e) => {
    e.preventDefault();
    const text = $("text").value.trim();
    if (!text || !state.current) return;
    const dm = text.match(/^\/dm\s+(\S+)\s+(.+)$/);
    if (dm) send({ type: "direct", data: { to: dm[1], text: dm[2] }, id: nextId() });
    else send({ type: "chat", topic: ROOM_PREFIX + state.current, data: { text }, id: nextId() });
    $("text").value = "";
  };
})();
