// Rounds: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // Idle sign-out warning: shown 60 s before the server ends the session.
  // The server sends X-Session-Expires-In on every signed-in response (htmx ones too).
  var body = document.body;
  if (!body || !body.dataset.signedIn) return;
  var dialog = document.getElementById("idle-warning");
  var countdown = dialog && dialog.querySelector("[data-idle-countdown]");
  var expiresAt = Date.now() + Number(body.dataset.idleSeconds || 900) * 1000;
  var ticker = null;

  function reset(seconds) {
    expiresAt = Date.now() + seconds * 1000;
    if (dialog && dialog.open) dialog.close();
  }

  function tick() {
    var left = Math.round((expiresAt - Date.now()) / 1000);
    if (left <= 0) {
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return;
    }
    if (left <= 60 && dialog && !dialog.open) {
      dialog.showModal();
    }
    if (countdown) countdown.textContent = String(Math.max(left, 0));
  }
  ticker = window.setInterval(tick, 1000);

  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    var value = xhr && xhr.getResponseHeader("X-Session-Expires-In");
    if (value) reset(Number(value));
  });

  var keepalive = dialog && dialog.querySelector("form[data-keepalive]");
  if (keepalive) {
    keepalive.addEventListener("submit", function (evt) {
      evt.preventDefault();
      fetch(keepalive.action, { method: "POST", body: new FormData(keepalive), credentials: "same-origin" })
        .then(function (res) {
          var value = res.headers.get("X-Session-Expires-In");
          if (res.ok && value) reset(Number(value));
          else window.location.reload();
        })
        .catch(function () { /* offline: keep the dialog so the person can retry */ });
    });
  }
})();

// Confirm dangerous actions without inline handlers (CSP): <form data-confirm="Are you sure?">
document.addEventListener("submit", function (evt) {
  var form = evt.target;
  if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    evt.preventDefault();
  }
}, true);

// Auto-submit filter forms (the filters work without JS through their submit button).
document.addEventListener("change", function (evt) {
  var form = evt.target && evt.target.closest && evt.target.closest("form[data-autosubmit]");
  if (form && window.htmx) window.htmx.trigger(form, "submit");
});
