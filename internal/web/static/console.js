// Gallra agent console: heartbeats (availability), a live queue, and the
// chat page's live stream (WebSocket with replay from the last number),
// typing and replies without a reload. Every form works without this file.
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } });
  }

  // Availability: a heartbeat now and every 20 s while the console is open.
  var sel = $("chat-status");
  function beat() { post("/workspace/chats/presence", { status: sel ? sel.value : "online" }).catch(function () {}); }
  beat();
  setInterval(beat, 20000);
  if (sel) {
    sel.addEventListener("change", beat);
    $("presence").addEventListener("submit", function (e) { e.preventDefault(); beat(); });
  }

  // The queue refreshes itself.
  var queue = $("queue");
  if (queue) {
    setInterval(function () {
      fetch("/workspace/chats/queue", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && !queue.contains(document.activeElement)) { queue.innerHTML = html; } })
        .catch(function () {});
    }, 5000);
  }

  var box = $("console");
  if (!box) { return; }
  var id = box.getAttribute("data-chat");
  var after = +box.getAttribute("data-after");
  var t = function (k) { return box.getAttribute("data-t-" + k) || ""; };
  var log = $("chatlog");
  var typingTimer = 0, lastTyping = 0, ws = null, failures = 0;
  window.__gallraConsole = { get ws() { return ws; }, get after() { return after; } };

  function line(e) {
    if (e.seq <= after) { return; }
    after = e.seq;
    var li = document.createElement("li");
    li.setAttribute("data-seq", e.seq);
    if (e.kind === "message") {
      li.className = "msg " + (e.sender === "staff" ? "out" : "in");
      var art = document.createElement("article");
      var head = document.createElement("header");
      head.className = "msg-head";
      var who = document.createElement("strong");
      who.textContent = e.sender === "staff" ? (e.agent_name || "") : t("you");
      head.appendChild(who);
      var b = document.createElement("div");
      b.className = "msg-body";
      if (e.file) {
        var a = document.createElement("a");
        a.href = box.getAttribute("data-files") + e.file.id;
        a.setAttribute("download", "");
        a.textContent = e.file.filename;
        b.appendChild(a);
      } else {
        b.textContent = e.body;
      }
      art.appendChild(head);
      art.appendChild(b);
      li.appendChild(art);
      $("chat-seen").textContent = "";
      if (e.sender !== "staff") { $("chat-typing").textContent = ""; seen(); }
    } else if (e.kind === "joined") {
      li.className = "sys muted small";
      li.textContent = t("joined").replace("%s", e.agent_name || "");
    } else if (e.kind === "closed") {
      li.className = "sys muted small";
      li.textContent = t("closed");
    } else { return; }
    log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  // seen tells the visitor their lines were shown (at most every 2 s).
  var lastSeen = 0;
  function seen() {
    var now = Date.now();
    if (document.visibilityState !== "visible" || now - lastSeen < 2000 || !ws || ws.readyState !== 1) { return; }
    lastSeen = now;
    ws.send(JSON.stringify({ type: "seen" }));
  }

  function connect() {
    var opened = false;
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/workspace/chats/" + id + "/ws");
    ws.onopen = function () { opened = true; failures = 0; ws.send(JSON.stringify({ type: "hello", after: after })); };
    ws.onmessage = function (m) {
      var f = JSON.parse(m.data);
      if (f.type === "event") { line(f.event); }
      else if (f.type === "seen" && f.sender === "customer") { $("chat-seen").textContent = t("seen"); }
      else if (f.type === "typing" && f.sender === "customer") {
        $("chat-typing").textContent = t("typing");
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { $("chat-typing").textContent = ""; }, 4000);
      }
    };
    ws.onclose = function () {
      ws = null;
      if (!opened) { failures++; }
      $("chat-typing").textContent = t("reconnecting");
      setTimeout(connect, Math.min(5000, 300 * (failures + 1)));
    };
  }
  connect();

  var form = $("chat-reply");
  if (form) {
    var ta = $("chat-body");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = ta.value.trim();
      if (!text) { return; }
      post(form.action, { body: text }).then(function (r) {
        if (r.ok) { ta.value = ""; $("chat-error").textContent = ""; ta.focus(); return; }
        return r.json().then(function (j) { $("chat-error").textContent = t("err").replace("%s", (j.error && j.error.message) || r.status); });
      }).catch(function () { $("chat-error").textContent = t("reconnecting"); });
    });
    ta.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    });
    ta.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping < 3000) { return; }
      lastTyping = now;
      if (ws && ws.readyState === 1) { ws.send(JSON.stringify({ type: "typing" })); }
    });
  }
})();
