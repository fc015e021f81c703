// The chat page. The wire protocol (connecting, reconnecting with backoff, liveness, requests by
// id, topic subscriptions) is the reactive-wspool-client package (clients/js, docs/CLIENT-JS.md),
// served from its one source by the build. The chat app adds its own message types:
//   join/leave {topic}          -> joined {topic, members} to me, member_joined/member_left to the room
//   chat {topic, data:{text}}   -> chat {topic, data:{from, text}} to the room
//   direct {data:{to, text}}    -> notification {data:{from, text}} to every connection of user "to"
import { WsClient } from "./lib/reactive-wspool-client/index.js";

const $ = (id) => document.getElementById(id);
const state = { client: null, me: null, rooms: new Map(), current: null };

const ROOM_PREFIX = "chat.";

function setStatus(text, on) {
  const s = $("status");
  s.textContent = text;
  s.dataset.state = text;
  s.className = "status " + (on ? "on" : "off");
}

function connect(login) {
  const base = location.origin.replace(/^http/, "ws") + "/ws";
  // A guest picks a name (?name=); a configured user signs in with its token instead.
  const url = login.token ? base : base + "?" + new URLSearchParams({ name: login.name });
  const client = new WsClient(url, { token: login.token || undefined });
  state.client = client;
  setStatus("connecting", false);
  client.on("welcome", (w) => {
    state.me = w.userId || w.connectionId;
    setStatus("connected", true);
    $("whoami").textContent = `signed in as ${w.userId || "anonymous"} · connection ${w.connectionId}`;
    // Rooms are the chat app's own subscriptions (join): join them again on every connection.
    for (const room of state.rooms.keys()) join(room);
  });
  client.on("close", (e) => {
    setStatus("disconnected", false);
    addSystem(`connection closed (${e.code}${e.reason ? ": " + e.reason : ""})${e.willReconnect ? ", reconnecting" : ""}`);
  });
  client.on("message", handle);
  client.subscribe("announcements", (m) =>
    notify(`📢 ${m.type}: ${m.data && (m.data.message || m.data.text) || JSON.stringify(m.data)}`)).catch(showError);
  client.connect().catch(showError);
}

function showError(e) {
  addSystem("error: " + e.message, "error");
}

async function join(room) {
  try {
    const reply = await state.client.request("join", { topic: ROOM_PREFIX + room });
    roomFor(reply.topic).members = reply.data.members || [];
    renderRooms();
    if (!state.current || state.current === room) select(room);
  } catch (e) {
    if (e.code !== "disconnected") showError(e); // a lost connection joins again on its welcome
  }
}

function handle(msg) {
  switch (msg.type) {
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
    case "error": // answers to messages sent without an id (chat); requests get theirs as rejections
      addSystem("error: " + msg.error, "error");
      break;
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
  $("login").hidden = true;
  $("chat").hidden = false;
  connect({ name: $("name").value.trim(), token: $("token").value.trim() });
};
$("join-form").onsubmit = (e) => {
  e.preventDefault();
  const room = $("room").value.trim();
  if (!room) return;
  roomFor(ROOM_PREFIX + room);
  $("room").value = "";
  select(room);
  join(room);
};
$("send-form").onsubmit = async (e) => {
  e.preventDefault();
  const text = $("text").value.trim();
  if (!text || !state.current) return;
  $("text").value = "";
  const dm = text.match(/^\/dm\s+(\S+)\s+(.+)$/);
  try {
    if (dm) {
      const reply = await state.client.request("direct", { data: { to: dm[1], text: dm[2] } });
      addSystem(`direct message to ${reply.data.to} reached ${reply.data.delivered} connection(s)`);
    } else {
      state.client.send("chat", { topic: ROOM_PREFIX + state.current, data: { text } }) || addSystem("not connected: message not sent", "error");
    }
  } catch (err) {
    showError(err);
  }
};
