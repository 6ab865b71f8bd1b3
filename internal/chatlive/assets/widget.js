/* Gallra chat widget: <script src="https://GALLRA/chat/widget.js" data-channel="ID" data-lang="sv|en" async></script>
   Until the visitor clicks the button this script stores nothing (no cookie, no storage)
   and makes no request: the conversation's iframe is created on the click. */
(function () {
  "use strict";
  var s = document.currentScript;
  if (!s) { return; }
  var channel = s.getAttribute("data-channel");
  if (!channel || !/^[0-9]+$/.test(channel)) { return; }
  var lang = s.getAttribute("data-lang");
  if (lang !== "en" && lang !== "sv") {
    lang = (document.documentElement.lang || "sv").slice(0, 2) === "en" ? "en" : "sv";
  }
  var origin = new URL(s.src, location.href).origin;
  var label = lang === "en" ? "Chat with us" : "Chatta med oss";
  var frameTitle = lang === "en" ? "Chat" : "Chatt";

  var btn = document.createElement("button");
  btn.type = "button";
  btn.id = "gallra-chat-button";
  btn.textContent = label;
  btn.setAttribute("aria-expanded", "false");
  var bs = btn.style;
  bs.position = "fixed"; bs.right = "16px"; bs.bottom = "16px"; bs.zIndex = "2147483000";
  bs.font = "600 16px system-ui, sans-serif"; bs.padding = "12px 18px"; bs.minHeight = "44px";
  bs.border = "0"; bs.borderRadius = "24px"; bs.background = "#0b4f6c"; bs.color = "#fff";
  bs.boxShadow = "0 2px 8px rgba(0,0,0,.3)"; bs.cursor = "pointer";

  var frame = null;
  function place() {
    if (!frame) { return; }
    var fs = frame.style, phone = window.innerWidth < 480;
    fs.position = "fixed"; fs.zIndex = "2147483001"; fs.border = "0"; fs.background = "#fff";
    fs.boxShadow = "0 4px 24px rgba(0,0,0,.35)";
    if (phone) {
      fs.left = "0"; fs.top = "0"; fs.right = "auto"; fs.bottom = "auto"; fs.width = "100vw"; fs.height = "100%"; fs.borderRadius = "0";
    } else {
      fs.left = "auto"; fs.top = "auto"; fs.right = "16px"; fs.bottom = "76px"; fs.width = "380px";
      fs.height = "min(620px, calc(100vh - 96px))"; fs.borderRadius = "12px";
    }
  }
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "gallra-chat-frame";
      frame.title = frameTitle;
      frame.src = origin + "/chat/frame/" + channel + "?lang=" + lang;
      document.body.appendChild(frame);
      place();
    }
    frame.style.display = "block";
    btn.setAttribute("aria-expanded", "true");
    btn.style.display = window.innerWidth < 480 ? "none" : "block";
    frame.focus();
  }
  function close() {
    if (frame) { frame.style.display = "none"; }
    btn.style.display = "block";
    btn.setAttribute("aria-expanded", "false");
    btn.focus();
  }
  btn.addEventListener("click", function () {
    if (frame && frame.style.display !== "none") { close(); } else { open(); }
  });
  window.addEventListener("message", function (e) {
    if (e.origin === origin && e.data && e.data.gallra === "close") { close(); }
  });
  window.addEventListener("resize", place);
  function add() { document.body.appendChild(btn); }
  if (document.body) { add(); } else { document.addEventListener("DOMContentLoaded", add); }
})();
