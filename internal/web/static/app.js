// Gallra admin UI: small progressive enhancements. Every form works without
// this file; it only updates the customer-facing policy text while a
// setting is edited, selects sign-in links for copying and prints receipts.
(function () {
  "use strict";

  function policyForm(form) {
    var box = document.getElementById("policy-text");
    if (!box) return;
    var refused = box.querySelector("[data-refused]");
    var timer = null;
    function update() {
      var data = new FormData(form);
      var q = new URLSearchParams();
      q.set("module", form.dataset.module);
      ["mode", "keep", "n", "unit", "action"].forEach(function (k) {
        if (data.get(k) !== null) q.set(k, data.get(k));
      });
      fetch("/settings/policy-text?" + q.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (t) {
          if (!t) return;
          ["sv", "en"].forEach(function (l) {
            var el = box.querySelector('[data-lang="' + l + '"]');
            if (el && t[l]) el.textContent = t[l];
          });
          if (refused) {
            refused.hidden = !t.refused;
            refused.textContent = t.refused || "";
          }
        })
        .catch(function () {});
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 200);
    });
    form.addEventListener("change", update);
    // "Follow the module default" greys out the own-setting fields.
    function modeChanged() {
      var inherit = form.querySelector('input[name="mode"][value="inherit"]');
      form.querySelectorAll("fieldset.own").forEach(function (fs) {
        fs.disabled = !!(inherit && inherit.checked);
      });
    }
    form.querySelectorAll('input[name="mode"]').forEach(function (el) {
      el.addEventListener("change", modeChanged);
    });
    modeChanged();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.policy-form").forEach(policyForm);
    document.querySelectorAll("[data-select]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
  });
})();
