/* The chat conversation page (in the widget's iframe, Gallra's origin).
   The token is kept in sessionStorage only after the visitor started a chat. */
(function () {
  "use strict";
  var body = document.body;
  var T = JSON.parse(body.getAttribute("data-t"));
  var channel = +body.getAttribute("data-channel");
  var KEY = "gallra-chat-" + channel;
  var st = { id: 0, token: "", after: 0, ws: null, mode: "ws", failures: 0, closed: false, gone: false, agent: "", lastTyping: 0, typingTimer: 0 };
  window.__gallraChat = st; // for the browser tests: pause() cuts the connection, resume() reconnects
  st.pause = function () { st.paused = true; if (st.ws) { st.ws.close(); } };
  st.resume = function () { st.paused = false; connect(); };

  function $(id) { return document.getElementById(id); }
  function fmt(s, v) { return s.replace(/%[sd]/, v); }
  function show(id) {
    ["start", "offline", "talk", "deleted"].forEach(function (x) { $(x).hidden = x !== id; });
  }
  function post(path, data) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data), credentials: "omit", cache: "no-store" })
      .then(function (r) {
        return r.text().then(function (t) {
          var j = {};
          try { j = t ? JSON.parse(t) : {}; } catch (e) { j = {}; }
          if (!r.ok) {
            var err = new Error("request failed");
            err.code = (j.error && j.error.code) || "other";
            throw err;
          }
          return j;
        });
      });
  }
  function errText(e) { return T["err_" + e.code] || T.err_other; }
  function save() { try { sessionStorage.setItem(KEY, JSON.stringify({ id: st.id, token: st.token })); } catch (e) { /* storage blocked */ } }
  function forget() { try { sessionStorage.removeItem(KEY); } catch (e) { /* storage blocked */ } }

  $("close").addEventListener("click", function () { parent.postMessage({ gallra: "close" }, "*"); });

  $("start-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("first").value.trim();
    if (!msg) { $("start-error").textContent = T.err_invalid; $("first").focus(); return; }
    $("start-error").textContent = "";
    post("/chat/api/start", { channel: channel, name: $("name").value, email: $("email").value, message: msg })
      .then(function (r) { st.id = r.chat_id; st.token = r.token; save(); begin(); })
      .catch(function (e) { $("start-error").textContent = errText(e); });
  });

  $("offline-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("omsg").value.trim();
    if (!msg) { $("offline-error").textContent = T.err_invalid; $("omsg").focus(); return; }
    post("/chat/api/offline", { channel: channel, name: $("oname").value, email: $("oemail").value, message: msg })
      .then(function () { $("offline-form").hidden = true; $("offline-done").hidden = false; $("offline-done").focus(); })
      .catch(function (e) { $("offline-error").textContent = errText(e); });
  });

  function begin() {
    show("talk");
    $("dl-form").action = "/chat/api/" + st.id + "/transcript";
    $("dl-form").elements.token.value = st.token;
    connect();
    $("msg").focus();
  }

  function connect() {
    if (st.gone || st.paused || st.ws) { return; }
    if (st.mode === "poll") { poll(); return; }
    var opened = false;
    var ws;
    try {
      ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws/" + st.id);
    } catch (e) { st.mode = "poll"; poll(); return; }
    st.ws = ws;
    ws.onopen = function () {
      opened = true;
      st.failures = 0;
      ws.send(JSON.stringify({ type: "hello", token: st.token, after: st.after }));
    };
    ws.onmessage = function (m) { handle(JSON.parse(m.data)); };
    ws.onclose = function () {
      st.ws = null;
      if (st.gone) { return; }
      if (!opened) {
        st.failures++;
        if (st.failures >= 2) { st.mode = "poll"; } // WebSockets blocked: long-poll
      }
      $("status").textContent = T.reconnecting;
      setTimeout(connect, Math.min(5000, 300 * (st.failures + 1)));
    };
  }

  function poll() {
    if (st.gone || st.paused) { return; }
    post("/chat/api/" + st.id + "/poll", { token: st.token, after: st.after })
      .then(function (r) {
        renderState(r.state);
        (r.events || []).forEach(renderEvent);
        if (r.typing) { showTyping(r.typing); }
        poll();
      })
      .catch(function (e) {
        if (e.code === "not_found") { gone(); return; }
        $("status").textContent = T.reconnecting;
        setTimeout(poll, 2000);
      });
  }

  function handle(f) {
    if (f.type === "state") { renderState(f.state); }
    else if (f.type === "event") { renderEvent(f.event); }
    else if (f.type === "typing") { showTyping(f.sender); }
    else if (f.type === "seen" && f.sender === "staff") { $("seen").textContent = T.seen; }
    else if (f.type === "error" && f.code === "not_found") { gone(); }
  }

  function renderState(s) {
    if (!s) { return; }
    st.state = s;
    var t;
    if (s.closed) { t = T.ended; setClosed(); }
    else if (s.accepted) { t = fmt(T.connected, st.agent || T.agent); }
    else if (s.position > 0) { t = fmt(T.queue, s.position); }
    else { t = T.waiting; }
    $("status").textContent = t;
  }

  function renderEvent(e) {
    if (e.seq <= st.after) { return; }
    st.after = e.seq;
    var li = document.createElement("li");
    li.setAttribute("data-seq", e.seq);
    if (e.kind === "message") {
      li.className = e.sender;
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = e.sender === "customer" ? T.you : (e.agent_name || T.agent);
      li.appendChild(who);
      if (e.file) {
        var f = document.createElement("form");
        f.method = "post";
        f.action = "/chat/api/" + st.id + "/files/" + e.file.id;
        var tk = document.createElement("input");
        tk.type = "hidden"; tk.name = "token"; tk.value = st.token;
        var b = document.createElement("button");
        b.type = "submit"; b.className = "file";
        b.textContent = T.file + " " + e.file.filename;
        f.appendChild(tk); f.appendChild(b);
        li.appendChild(f);
      } else {
        li.appendChild(document.createTextNode(e.body));
      }
      $("seen").textContent = "";
      if (e.sender === "staff") { $("typing").textContent = ""; seen(); }
    } else if (e.kind === "joined") {
      st.agent = e.agent_name || T.agent;
      li.className = "system";
      li.textContent = fmt(T.joined, st.agent);
    } else if (e.kind === "closed") {
      li.className = "system";
      li.textContent = T.closed;
      setClosed();
    } else { return; }
    $("log").appendChild(li);
    $("log").scrollTop = $("log").scrollHeight;
    if (st.state) { renderState(st.state); }
  }

  // seen tells the agent their lines were shown (at most every 2 s).
  var lastSeen = 0;
  function seen() {
    var now = Date.now();
    if (document.visibilityState !== "visible" || now - lastSeen < 2000 || !st.ws || st.ws.readyState !== 1) { return; }
    lastSeen = now;
    st.ws.send(JSON.stringify({ type: "seen" }));
  }

  function setClosed() {
    st.closed = true;
    $("msg").disabled = true;
    $("send-form").querySelector("button").disabled = true;
  }

  function showTyping(sender) {
    if (sender !== "staff") { return; }
    $("typing").textContent = fmt(T.typing, st.agent || T.agent);
    clearTimeout(st.typingTimer);
    st.typingTimer = setTimeout(function () { $("typing").textContent = ""; }, 4000);
  }

  function send() {
    var text = $("msg").value.trim();
    if (!text || st.closed) { return; }
    $("send-error").textContent = "";
    post("/chat/api/" + st.id + "/messages", { token: st.token, message: text })
      .then(function () { $("msg").value = ""; $("msg").focus(); })
      .catch(function (e) { $("send-error").textContent = errText(e); });
  }
  $("send-form").addEventListener("submit", function (ev) { ev.preventDefault(); send(); });
  $("msg").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
  });
  $("msg").addEventListener("input", function () {
    var now = Date.now();
    if (now - st.lastTyping < 3000) { return; }
    st.lastTyping = now;
    if (st.ws && st.ws.readyState === 1) { st.ws.send(JSON.stringify({ type: "typing" })); }
    else { post("/chat/api/" + st.id + "/signal", { token: st.token, kind: "typing" }).catch(function () {}); }
  });

  $("file").addEventListener("change", function () {
    var input = $("file");
    if (!input.files.length || st.closed) { return; }
    var fd = new FormData();
    fd.append("token", st.token);
    fd.append("file", input.files[0]);
    $("send-error").textContent = "";
    fetch("/chat/api/" + st.id + "/files", { method: "POST", body: fd, credentials: "omit", cache: "no-store" })
      .then(function (r) {
        if (r.ok) { input.value = ""; return; }
        return r.json().catch(function () { return {}; }).then(function (j) {
          $("send-error").textContent = errText({ code: (j.error && j.error.code) || "other" });
        });
      })
      .catch(function () { $("send-error").textContent = T.err_other; });
  });

  $("delete").addEventListener("click", function () { $("confirm").hidden = false; $("confirm-no").focus(); });
  $("confirm-no").addEventListener("click", function () { $("confirm").hidden = true; $("delete").focus(); });
  $("confirm-yes").addEventListener("click", function () {
    post("/chat/api/" + st.id + "/delete", { token: st.token })
      .then(gone)
      .catch(function (e) { $("confirm").hidden = true; $("send-error").textContent = errText(e); });
  });

  function gone() {
    st.gone = true;
    if (st.ws) { st.ws.close(); }
    forget();
    show("deleted");
  }

  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
  if (saved && saved.id && saved.token) { st.id = saved.id; st.token = saved.token; begin(); }
})();
