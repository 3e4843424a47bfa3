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

// ---- Meetings: autosave -------------------------------------------------------------------
// Minutes save as they are typed (htmx posts form[data-autosave] on keyup/change). This part
// keeps the page honest about it: "Not saved yet" while typing; when the connection is lost the
// text stays in the page and the save is retried with back-off (and as soon as the tablet is
// back online or awake); leaving the page with unsaved text asks first; and the meeting's other
// forms (data-meeting-form) wait until the minutes are saved before they submit.
(function () {
  "use strict";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-autosave]"));
  if (!forms.length) return;
  var UNSAVED = { dirty: 1, saving: 1, offline: 1, problem: 1 };

  function statusFor(form) {
    var sel = form.getAttribute("hx-target");
    return sel ? document.querySelector(sel) : null;
  }
  function say(form, text, tone) {
    var status = statusFor(form);
    if (!status) return;
    var span = document.createElement("span");
    span.className = "mtg-saved" + (tone ? " mtg-saved--" + tone : "");
    span.textContent = text;
    status.replaceChildren(span);
  }
  function content(form) {
    var parts = [];
    form.querySelectorAll("textarea").forEach(function (t) { parts.push(t.name + "=" + t.value); });
    return parts.join("\u0000");
  }
  function retryLater(form, why) {
    var delay = Math.min(Number(form.dataset.retryDelay || 2000) * 2, 60000);
    form.dataset.retryDelay = String(delay);
    form.dataset.state = "offline";
    say(form, why + " Your text is kept here; trying again in " + Math.round(delay / 1000) + " s.", "warn");
    window.clearTimeout(Number(form.dataset.retryTimer || 0));
    form.dataset.retryTimer = String(window.setTimeout(function () { save(form); }, delay));
  }
  function save(form) {
    if (window.htmx) window.htmx.trigger(form, "autosave:retry");
  }

  forms.forEach(function (form) {
    form.dataset.state = "saved";
    form.addEventListener("input", function () {
      if (form.dataset.state !== "dirty") {
        form.dataset.state = "dirty";
        say(form, "Not saved yet…");
      }
    });
    form.addEventListener("htmx:beforeRequest", function () {
      form.dataset.sent = content(form);
      if (form.dataset.state !== "offline") form.dataset.state = "saving";
    });
    form.addEventListener("htmx:afterRequest", function (evt) {
      if (!evt.detail.successful) return;
      window.clearTimeout(Number(form.dataset.retryTimer || 0));
      form.dataset.retryDelay = "1000";
      var status = statusFor(form);
      if (status && status.querySelector("[data-save-problem]")) {
        form.dataset.state = "problem";
      } else {
        form.dataset.state = content(form) === form.dataset.sent ? "saved" : "dirty";
      }
    });
    form.addEventListener("htmx:sendError", function () { retryLater(form, "Not saved yet – the connection was lost."); });
    form.addEventListener("htmx:responseError", function (evt) {
      var code = evt.detail.xhr ? evt.detail.xhr.status : 0;
      if (code === 401 || code === 403) {
        // Retrying cannot help: the sign-in or the form has expired.
        form.dataset.state = "problem";
        say(form, "Not saved – your sign-in or this page has expired. Copy your text somewhere safe, then reload the page.", "warn");
        return;
      }
      retryLater(form, "Not saved yet – the server answered " + code + ".");
    });
  });

  function pending() {
    return forms.filter(function (f) { return UNSAVED[f.dataset.state]; });
  }
  function retryAll() {
    pending().forEach(function (f) { if (f.dataset.state !== "problem") save(f); });
  }
  window.addEventListener("online", retryAll);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) retryAll(); });

  window.addEventListener("beforeunload", function (evt) {
    if (pending().length) { evt.preventDefault(); evt.returnValue = ""; }
  });

  // Other forms on the meeting page reload it: save the minutes first, then submit.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-meeting-form") || evt.defaultPrevented) return;
    var waiting = pending().filter(function (f) { return f.dataset.state !== "problem"; });
    if (!waiting.length) return;
    evt.preventDefault();
    var submitter = evt.submitter || null;
    waiting.forEach(save);
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      var still = pending().filter(function (f) { return f.dataset.state !== "problem"; });
      if (!still.length) {
        window.clearInterval(timer);
        form.removeAttribute("data-confirm");
        if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
      } else if (tries > 40) {
        window.clearInterval(timer);
        still.forEach(function (f) { say(f, "Not saved yet – check the connection. Your text is kept here.", "warn"); });
      }
    }, 200);
  });
})();

// Barriers ("My follow-ups"): after htmx swaps the list, put focus on the confirmation or on
// the first field with an error, so keyboard and screen-reader users know what happened.
document.addEventListener("htmx:afterSettle", function (evt) {
  var swapped = evt.detail && evt.detail.target;
  var list = document.getElementById("followups");
  if (!list || !swapped || swapped.id !== "followups") return;
  var target = list.querySelector("[aria-invalid='true']") || list.querySelector("[data-focus-after-swap]");
  if (target && document.activeElement !== target && !list.contains(document.activeElement)) target.focus();
});
