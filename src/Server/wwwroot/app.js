// CoopAgent web client: identity, the hub connection, chat streaming, the home, the belief chart, feedback.
"use strict";

const MAX_BYTES = 4096;
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
};

const state = { token: null, connection: null, session: null, busy: false, stream: null, feedback: new Map(), turns: new Map(), policyVersion: null };

// ---- identity: a per-user token issued on first visit, kept in localStorage ----
async function ensureIdentity() {
  state.token = localStorage.getItem("coopagent.token");
  if (state.token) {
    const me = await fetch("/api/me", { headers: { Authorization: "Bearer " + state.token } });
    if (me.ok) return;
    if (me.status === 429) throw new Error(await errorText(me));
  }
  const issued = await fetch("/api/identity", { method: "POST" });
  if (!issued.ok) throw new Error(await errorText(issued));
  state.token = (await issued.json()).token;
  localStorage.setItem("coopagent.token", state.token);
}

async function errorText(response) {
  try { return (await response.json()).error || response.statusText; } catch { return response.statusText; }
}

// ---- errors: a HubException's message is the part after "HubException: " ----
function hubMessage(error) {
  const text = (error && error.message) || String(error);
  const i = text.indexOf("HubException: ");
  return i >= 0 ? text.slice(i + "HubException: ".length) : text;
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
}

function setStatus(kind, text) {
  const s = $("status");
  s.className = "pill status " + kind;
  s.dataset.state = kind;
  s.textContent = text;
}

// ---- connection ----
async function connect() {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/chat", { accessTokenFactory: () => state.token })
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();
  connection.on("HomeChanged", renderHome);
  connection.on("BeliefChanged", renderBelief);
  connection.onreconnecting(() => { setStatus("reconnecting", "reconnecting…"); setComposer(false); });
  connection.onreconnected(async () => { setStatus("connected", "connected"); setComposer(true); await resume(); });
  connection.onclose(() => { setStatus("offline", "offline — reload to retry"); setComposer(false); });
  state.connection = connection;
  await connection.start();
  const policy = await connection.invoke("Policy");
  renderPolicy(policy);
  const scenarios = await connection.invoke("ListScenarios");
  const select = $("scenario");
  select.replaceChildren(...scenarios.map((s) => {
    const option = el("option", null, s.title);
    option.value = s.id;
    option.title = s.instruction;
    return option;
  }));
  for (const id of ["start-scenario", "start-free", "upload"]) $(id).disabled = false;
  await resume();
  setStatus("connected", "connected");
}

function renderPolicy(policy) {
  state.policyVersion = policy.version;
  const p = $("policy");
  p.textContent = "policy " + policy.version + (policy.trained ? "" : " (untrained)");
  p.classList.toggle("untrained", !policy.trained);
  p.title = policy.source;
}

async function resume() {
  const session = await state.connection.invoke("ResumeSession");
  if (session) showSession(session, false);
  await refreshFeedbackList();
}

// ---- sessions ----
async function startSession(method, ...args) {
  try {
    const session = await state.connection.invoke(method, ...args);
    showSession(session, true);
  } catch (e) {
    toast(hubMessage(e));
  }
}

function showSession(session, fresh) {
  state.session = session;
  renderPolicy(session.policy);
  $("session-info").textContent = `${session.title} · ${session.source} · turn ${session.turnsUsed} of ${session.turnLimit}`;
  const instruction = $("instruction");
  instruction.hidden = !session.instruction;
  instruction.textContent = session.instruction ? "Scenario: " + session.instruction : "";
  renderHome(session.home);
  renderBelief(session.belief);
  if (fresh) {
    $("messages").replaceChildren();
    addSystem(`New session: ${session.title}. Say what you need.`);
  }
  setComposer(true);
  $("input").focus();
}

// ---- chat ----
function addSystem(text, cls = "system") {
  const m = el("div", "msg " + cls, text);
  $("messages").append(m);
  scrollDown();
  return m;
}

function addUser(text) {
  const m = el("div", "msg user");
  m.append(el("span", "text", text));
  $("messages").append(m);
  scrollDown();
}

function scrollDown() { const box = $("messages"); box.scrollTop = box.scrollHeight; }

function setComposer(enabled) {
  const connected = state.connection && state.connection.state === "Connected";
  const on = enabled && connected && !!state.session && !state.busy;
  $("send").disabled = !on;
  $("input").disabled = !(connected && state.session);
  $("stop").hidden = !state.busy;
}

function send(text) {
  text = text.trim();
  if (!text) { toast("The message is empty."); return; }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_BYTES) { toast(`The message is ${bytes} bytes; the limit is ${MAX_BYTES}.`); return; }
  if (!state.session) { toast("Start a session first."); return; }
  addUser(text);
  $("input").value = "";
  updateCounter();
  const bubble = el("div", "msg agent streaming");
  bubble.append(el("span", "who", "robot"));
  const textNode = el("span", "text", "");
  bubble.append(textNode);
  $("messages").append(bubble);
  state.busy = true;
  setComposer(true);
  let got = false;
  const finish = () => { state.busy = false; bubble.classList.remove("streaming"); state.stream = null; setComposer(true); };
  state.stream = state.connection.stream("SendMessage", text).subscribe({
    next: (event) => { got = true; onEvent(event, bubble, textNode); scrollDown(); },
    complete: () => {
      if (!got) bubble.remove();
      finish();
    },
    error: (e) => {
      if (!got) bubble.remove();
      addSystem(hubMessage(e), "error");
      finish();
    },
  });
}

function onEvent(event, bubble, textNode) {
  switch (event.kind) {
    case "token":
      textNode.textContent += event.text;
      break;
    case "question": {
      const q = el("div", "question");
      q.append(el("div", "q", event.text));
      if (event.reason) q.append(el("div", "why", "Why I ask: " + event.reason));
      const options = el("div", "options");
      for (const option of event.options || []) {
        const b = el("button", null, option);
        b.type = "button";
        b.addEventListener("click", () => { if (!state.busy) send(option); });
        options.append(b);
      }
      options.append(el("span", "hint", "or type your own answer"));
      q.append(options);
      if (!textNode.textContent) textNode.remove();
      bubble.append(q);
      break;
    }
    case "actions": {
      // Actions stream one by one as the robot runs them: consecutive ones share one list.
      const last = bubble.lastElementChild;
      const list = last && last.classList.contains("steps") ? last : el("ul", "steps");
      for (const step of event.steps || []) {
        const li = el("li", step.ok ? "" : "fail", step.action);
        if (!step.ok && step.message) li.append(el("span", "why", " — " + step.message));
        list.append(li);
      }
      if (list !== last) bubble.append(list);
      break;
    }
    case "done":
      if (!textNode.textContent && !bubble.querySelector(".question") && event.text) textNode.textContent = event.text;
      state.turns.set(event.turnId, event);
      // A newer policy version was swapped in while the page was open: show it.
      if (event.policyVersion && event.policyVersion !== state.policyVersion) {
        state.connection.invoke("Policy").then(renderPolicy).catch(() => {});
      }
      if (state.session) {
        state.session.turnsUsed += 1;
        $("session-info").textContent = `${state.session.title} · ${state.session.source} · turn ${state.session.turnsUsed} of ${state.session.turnLimit}`;
      }
      bubble.append(feedbackBar(event));
      break;
    case "error":
      bubble.append(el("div", "msg error", event.text));
      break;
  }
}

// ---- feedback on every agent turn ----
function feedbackBar(turn) {
  const bar = el("div", "fb");
  bar.dataset.turn = turn.turnId;
  const up = el("button", "thumb-up", "▲ Good");
  const down = el("button", "thumb-down down", "▼ Bad");
  const compare = el("button", "open-compare", "Compare");
  const rank = el("button", "open-rank", "Rank " + turn.candidates.length);
  const correct = el("button", "open-correct", "Correct it");
  const saved = el("span", "saved", "");
  for (const b of [up, down, compare, rank, correct]) b.type = "button";
  if (!turn.comparePair) { compare.disabled = true; compare.title = "Every candidate was the same reply."; }
  if (turn.candidates.length < 2) { rank.disabled = true; rank.title = "There was only one candidate reply."; }
  bar.append(up, down, compare, rank, correct, saved);
  const panelHost = el("div");
  const wrap = el("div");
  wrap.append(bar, panelHost);

  const mark = () => {
    const fb = state.feedback.get(turn.turnId) || {};
    up.classList.toggle("on", !!fb.thumbs && fb.thumbs.rating > 0);
    down.classList.toggle("on", !!fb.thumbs && fb.thumbs.rating < 0);
    compare.classList.toggle("on", !!fb.comparison);
    rank.classList.toggle("on", !!fb.ranking);
    correct.classList.toggle("on", !!fb.correction);
  };
  const save = async (method, ...args) => {
    try {
      const view = await state.connection.invoke(method, turn.turnId, ...args);
      const fb = state.feedback.get(turn.turnId) || {};
      fb[view.kind] = view;
      state.feedback.set(turn.turnId, fb);
      saved.textContent = "saved ✓";
      mark();
      await refreshFeedbackList();
      return view;
    } catch (e) { toast(hubMessage(e)); return null; }
  };
  const thumb = (rating) => async () => {
    const fb = state.feedback.get(turn.turnId) || {};
    if (fb.thumbs && fb.thumbs.rating === rating) { await removeFeedback(fb.thumbs); mark(); saved.textContent = "removed"; panelHost.replaceChildren(); return; }
    const view = await save("Rate", rating > 0, null);
    if (!view) return;
    const panel = el("div", "fb-panel");
    const reason = el("input");
    reason.type = "text";
    reason.placeholder = rating > 0 ? "What was good? (optional)" : "What was wrong? (optional)";
    const ok = el("button", null, "Add reason");
    ok.type = "button";
    ok.addEventListener("click", async () => { if (await save("Rate", rating > 0, reason.value)) panelHost.replaceChildren(); });
    const row = el("div", "row");
    row.append(ok);
    panel.append(reason, row);
    panelHost.replaceChildren(panel);
  };
  up.addEventListener("click", thumb(1));
  down.addEventListener("click", thumb(-1));

  compare.addEventListener("click", () => {
    const [a, b] = turn.comparePair;
    const panel = el("div", "fb-panel");
    panel.append(el("div", "small muted", "Which reply is better?"));
    const pair = el("div", "pair");
    const ca = el("div", "cand"); ca.append(el("b", null, "A  "), document.createTextNode(turn.candidates[a]));
    const cb = el("div", "cand"); cb.append(el("b", null, "B  "), document.createTextNode(turn.candidates[b]));
    pair.append(ca, cb);
    const row = el("div", "row");
    for (const [label, choice] of [["A is better", "a"], ["B is better", "b"], ["Tie", "tie"], ["Both bad", "both_bad"]]) {
      const button = el("button", "choice-" + choice, label);
      button.type = "button";
      button.addEventListener("click", async () => { if (await save("Compare", choice, null)) panelHost.replaceChildren(); });
      row.append(button);
    }
    panel.append(pair, row);
    panelHost.replaceChildren(panel);
  });

  rank.addEventListener("click", () => {
    const k = turn.candidates.length;
    const panel = el("div", "fb-panel rank-panel");
    panel.append(el("div", "small muted", "Rank the replies: 1 is best; give equal ranks for ties."));
    const selects = turn.candidates.map((candidate, i) => {
      const line = el("div", "cand");
      line.append(el("span", null, candidate));
      const select = el("select");
      for (let r = 1; r <= k; r++) { const o = el("option", null, String(r)); o.value = String(r); select.append(o); }
      select.value = String(Math.min(i + 1, k));
      line.append(select);
      panel.append(line);
      return select;
    });
    const row = el("div", "row");
    const ok = el("button", "primary save-rank", "Save ranking");
    ok.type = "button";
    ok.addEventListener("click", async () => { if (await save("Rank", selects.map((s) => Number(s.value)))) panelHost.replaceChildren(); });
    row.append(ok);
    panel.append(row);
    panelHost.replaceChildren(panel);
  });

  correct.addEventListener("click", () => {
    const panel = el("div", "fb-panel");
    panel.append(el("div", "small muted", "Write the reply the robot should have given."));
    const text = el("textarea");
    text.rows = 2;
    text.value = turn.text || "";
    const row = el("div", "row");
    const ok = el("button", "primary", "Save correction");
    ok.type = "button";
    ok.addEventListener("click", async () => { if (await save("Correct", text.value)) panelHost.replaceChildren(); });
    row.append(ok);
    panel.append(text, row);
    panelHost.replaceChildren(panel);
  });
  mark();
  return wrap;
}

async function removeFeedback(view) {
  try {
    await state.connection.invoke("DeleteFeedback", view.id);
    const fb = state.feedback.get(view.turnId);
    if (fb) delete fb[view.kind];
    await refreshFeedbackList();
  } catch (e) { toast(hubMessage(e)); }
}

async function refreshFeedbackList() {
  const list = $("feedback-list");
  let views = [];
  try { views = await state.connection.invoke("MyFeedback", null); } catch (e) { toast(hubMessage(e)); return; }
  state.feedback.clear();
  for (const v of views) {
    const fb = state.feedback.get(v.turnId) || {};
    fb[v.kind] = v;
    state.feedback.set(v.turnId, fb);
  }
  list.replaceChildren(...views.slice(-12).reverse().map((v) => {
    const li = el("li");
    li.append(el("span", null, describeFeedback(v)));
    const del = el("button", null, "×");
    del.type = "button";
    del.title = "Delete this feedback";
    del.addEventListener("click", () => removeFeedback(v));
    li.append(del);
    return li;
  }));
  if (views.length === 0) list.append(el("li", "muted", "No feedback yet."));
}

function describeFeedback(v) {
  switch (v.kind) {
    case "thumbs": return (v.rating > 0 ? "▲ good" : "▼ bad") + (v.reason ? ` — “${v.reason}”` : "");
    case "comparison": return "compare: " + ({ a: "A better", b: "B better", tie: "tie", both_bad: "both bad" }[v.choice] || v.choice);
    case "ranking": return "ranking: " + v.ranks.join(" · ");
    case "correction": return "correction: “" + v.correction + "”";
    default: return v.kind;
  }
}

// ---- the home ----
function renderHome(home) {
  if (!home) return;
  $("robot-place").textContent = "robot in " + home.robotRoom + (home.holding.length ? ", holding " + home.holding.join(", ") : "");
  const rooms = home.rooms.map((room) => {
    const card = el("div", "room" + (room.name === home.robotRoom ? " here" : ""));
    const title = el("h3", null, room.name);
    if (room.name === home.robotRoom) title.append(el("span", "robot-tag", "robot"));
    card.append(title);
    const chips = (items, cls) => {
      if (!items.length) return;
      const box = el("div", "chips");
      for (const item of items) box.append(el("span", "chip " + cls, item));
      card.append(box);
    };
    chips(room.people, "person");
    chips(room.pets, "pet");
    for (const c of room.containers) {
      const box = el("div", "container");
      box.append(el("b", null, c.name), el("span", "state", c.open ? "open" : "closed"));
      box.append(document.createTextNode(c.contents.length ? ": " + c.contents.join(", ") : ": empty"));
      card.append(box);
    }
    chips(room.objects, "");
    return card;
  });
  if (home.holding.length) {
    const held = el("div", "chips");
    for (const item of home.holding) held.append(el("span", "chip held", "held: " + item));
    rooms.unshift(held);
  }
  $("home").replaceChildren(...rooms);
}

// ---- the belief chart (canvas, horizontal bars) ----
function renderBelief(belief) {
  if (!belief) return;
  const canvas = $("belief");
  const bars = belief.hypotheses.slice().sort((a, b) => b.probability - a.probability).slice(0, 8);
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 320;
  const rowHeight = 26;
  const height = Math.max(60, bars.length * rowHeight + 12);
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.height = height + "px";
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  const labelWidth = Math.min(150, width * 0.45);
  const barMax = width - labelWidth - 48;
  g.font = "12px 'DejaVu Sans', sans-serif";
  g.textBaseline = "middle";
  bars.forEach((bar, i) => {
    const y = 6 + i * rowHeight;
    g.fillStyle = "#1d2433";
    g.textAlign = "right";
    g.fillText(shorten(g, bar.label, labelWidth - 8), labelWidth - 8, y + rowHeight / 2 - 2);
    g.fillStyle = "#eef1f7";
    roundRect(g, labelWidth, y + 3, barMax, rowHeight - 10, 4);
    g.fillStyle = i === 0 ? "#3b6ef5" : "#8fa8f5";
    roundRect(g, labelWidth, y + 3, Math.max(2, barMax * bar.probability), rowHeight - 10, 4);
    g.fillStyle = "#6b7487";
    g.textAlign = "left";
    g.fillText(Math.round(bar.probability * 100) + "%", labelWidth + barMax + 6, y + rowHeight / 2 - 2);
  });
  canvas.dataset.top = bars.length ? bars[0].label : "";
  const reason = $("belief-reason");
  reason.hidden = !belief.reason;
  reason.textContent = belief.reason ? "Why it asks: " + belief.reason : "";
}

function roundRect(g, x, y, w, h, r) {
  g.beginPath();
  g.moveTo(x + r, y);
  g.arcTo(x + w, y, x + w, y + h, r);
  g.arcTo(x + w, y + h, x, y + h, r);
  g.arcTo(x, y + h, x, y, r);
  g.arcTo(x, y, x + w, y, r);
  g.fill();
}

function shorten(g, text, width) {
  if (g.measureText(text).width <= width) return text;
  while (text.length > 1 && g.measureText(text + "…").width > width) text = text.slice(0, -1);
  return text + "…";
}

// ---- wiring ----
function updateCounter() {
  const bytes = new TextEncoder().encode($("input").value).length;
  const counter = $("counter");
  counter.textContent = `${bytes} / ${MAX_BYTES}`;
  counter.style.color = bytes > MAX_BYTES ? "var(--bad)" : "";
}

function wire() {
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); if (!state.busy) send($("input").value); });
  $("input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); if (!state.busy) send($("input").value); }
  });
  $("input").addEventListener("input", updateCounter);
  $("stop").addEventListener("click", () => { if (state.stream) state.stream.dispose(); state.busy = false; setComposer(true); addSystem("Stopped."); });
  $("start-scenario").addEventListener("click", () => startSession("StartScenario", $("scenario").value));
  $("start-free").addEventListener("click", () => startSession("StartFreeHousehold"));
  $("upload").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    if (file.size > 256 * 1024) { toast("That file is too large for a scenario."); return; }
    startSession("UploadScenario", await file.text());
  });
  $("export").addEventListener("click", async (e) => {
    e.preventDefault();
    const response = await fetch("/api/feedback/export", { headers: { Authorization: "Bearer " + state.token } });
    if (!response.ok) { toast(await errorText(response)); return; }
    const url = URL.createObjectURL(await response.blob());
    const a = el("a");
    a.href = url;
    a.download = "coopagent-feedback.jsonl";
    a.click();
    URL.revokeObjectURL(url);
  });
  // Session buttons wait for the scenario list (the server may still be loading its policy).
  for (const id of ["start-scenario", "start-free", "upload"]) $(id).disabled = true;
  setComposer(false);
}

(async () => {
  wire();
  try {
    await ensureIdentity();
    await connect();
  } catch (e) {
    setStatus("offline", "offline");
    toast("Could not connect: " + hubMessage(e));
  }
})();
