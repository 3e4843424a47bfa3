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
      // The outbox keeps this person's half-typed text for after the sign-in.
      document.dispatchEvent(new CustomEvent("rounds:signing-out"));
      window.clearInterval(ticker);  // once: a second assign would abort the first
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
    form.addEventListener("htmx:beforeRequest", function (evt) {
      // The same text again after a refusal or a choice to make (leaving the box, say) would
      // only redraw the answer - and wipe a choice half made in it: nothing new, not sent.
      if (form.dataset.state === "problem" && content(form) === form.dataset.sent) {
        evt.preventDefault();
        return;
      }
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
  // The choice between two devices' texts is its own form: once it is saved, so is the item.
  document.addEventListener("htmx:afterSettle", function (evt) {
    var status = evt.detail && evt.detail.target;
    forms.forEach(function (f) {
      if (f.dataset.state === "problem" && statusFor(f) === status && status.querySelector("[data-saved]")) {
        f.dataset.state = "saved";
      }
    });
  });

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

// A list shown in full in place ("Show all N" on the meeting agenda, [data-more]): the link that
// was clicked is gone, so put focus on the list it opened.
document.addEventListener("htmx:afterSettle", function (evt) {
  var part = evt.detail && evt.detail.target;
  if (!part || !part.hasAttribute || !part.hasAttribute("data-more")) return;
  var target = part.querySelector("[data-focus-after-swap]");
  if (target) target.focus();
});

// ---- Outbox: a captured concern is never lost (issue 11) -------------------------------------
// Capture forms (form[data-outbox]: the round screen and quick capture) do not post directly.
// Add puts the concern, with an idempotency key made here, into this person's outbox in
// localStorage, then sends it; it leaves the outbox only when the server says X-Rounds-Saved.
// Offline, a reload, a crash or a closed tab: it is sent on the next page load or `online`.
// Session ended: the server answers 401 + X-Rounds-Signed-Out; the item waits, says
// "Signed out – sign in to send", and goes after sign-in (the login returns here via ?next=).
// Half-typed text is kept as a draft (also across the idle sign-out). Everything is keyed to
// body[data-person] (an opaque per-person id), so on a shared tablet another person never
// sees or sends it. Without JavaScript the forms post as before.
(function () {
  "use strict";
  var body = document.body;
  var person = body && body.dataset.person;
  if (!person || !window.localStorage || !window.fetch) return;
  var BOX = "rounds.outbox.v1." + person;
  var DRAFT = "rounds.draft.v1." + person + ".";
  var SKIP = { _csrf_token: 1, idempotency_key: 1 };
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-outbox]"));
  var savedHere = [];      // acknowledged during this page view (shown, not stored)
  var sending = false;
  var retryTimer = 0;
  var retryDelay = 2000;
  var leaving = false;     // set by the idle or manual sign-out: the draft is kept, no prompt

  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or blocked: the page still shows the item */ }
  }
  function items() { return read(BOX, []); }
  function saveItems(list) { write(BOX, list.length ? list : null); }
  function update(key, change) {
    var list = items();
    list.forEach(function (it) { if (it.key === key) change(it); });
    saveItems(list);
  }
  function remove(key) { saveItems(items().filter(function (it) { return it.key !== key; })); }
  function actionOf(form) { return new URL(form.getAttribute("action"), location.href).pathname; }
  function formFor(action) {
    for (var i = 0; i < forms.length; i++) if (actionOf(forms[i]) === action) return forms[i];
    return null;
  }
  function mine(form) {
    var action = actionOf(form);
    return items().filter(function (it) { return it.action === action; });
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "ob-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; } catch (e) { return ""; }
  }
  function textField(form) { return form.querySelector("textarea"); }
  function fieldsOf(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (!SKIP[name] && typeof value === "string") out.push([name, value]);
    });
    return out;
  }
  function fill(form, fields) {
    fields.forEach(function (pair) {
      var el = form.elements.namedItem(pair[0]);
      if (!el || el.type === "hidden") return;
      if (el.type === "checkbox") el.checked = true;
      else el.value = pair[1];
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));  // fields shown with a checkbox
  }
  // Kept after Add: the names in data-outbox-keep, and a field whose data-outbox-keep-when
  // names a checkbox that is ticked (the "Raised by" pin).
  function kept(form, el, keep) {
    if (keep.indexOf(el.name) >= 0) return true;
    var when = el.dataset && el.dataset.outboxKeepWhen;
    var pin = when && form.elements.namedItem(when);
    return !!(pin && pin.checked);
  }
  function clearForAdd(form) {
    var keep = (form.dataset.outboxKeep || "").split(/\s+/);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || kept(form, el, keep)) return;
      if (el.type === "checkbox") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else if (el.tagName === "TEXTAREA" || el.type === "text") el.value = "";
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));  // fields shown with a checkbox
  }

  // --- drafts: what is in the box, kept on every keystroke ---
  function draftKey(form) { return DRAFT + actionOf(form); }
  function saveDraft(form) {
    var box = textField(form);
    write(draftKey(form), box && box.value.trim() ? fieldsOf(form) : null);
  }
  function restoreDraft(form) {
    var box = textField(form);
    var draft = read(draftKey(form), null);
    if (draft && box && !box.value.trim()) {
      form.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; });
      fill(form, draft);
    }
  }

  // --- showing the outbox under the form ---
  var WORDS = {
    waiting: ["↻", "Waiting for the network – kept on this device, sent when the connection is back"],
    sending: ["↑", "Sending…"],
    signedout: ["↻", "Signed out – sign in to send"],
    failed: ["⚠", "Could not be saved"],
    moved: ["⚠", "Could not be saved – the text is back in the box to edit"],
    saved: ["✓", "Saved – on the tracking log"]
  };
  function listFor(form) {
    var list = form.parentNode.querySelector("[data-outbox-list]");
    if (!list) {
      list = document.createElement("section");
      list.className = "outbox";
      list.setAttribute("data-outbox-list", "");
      list.setAttribute("aria-label", "Concerns being sent");
      var ol = document.createElement("ol");
      ol.className = "outbox__items";
      ol.setAttribute("aria-live", "polite");
      list.appendChild(ol);
      form.insertAdjacentElement("afterend", list);
    }
    return list;
  }
  function loginLink() {
    return "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }
  function row(it) {
    var li = document.createElement("li");
    li.className = "outbox__item outbox__item--" + it.state;
    li.setAttribute("data-outbox-item", it.state);
    var icon = document.createElement("span");
    icon.className = "outbox__icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = WORDS[it.state][0];
    var state = document.createElement("strong");
    state.className = "outbox__state";
    state.textContent = WORDS[it.state][1] + (it.state === "failed" && it.reason ? ": " + it.reason : "");
    var text = document.createElement("span");
    text.className = "outbox__text";
    text.textContent = it.text;
    li.append(icon, state, text);
    if (it.state === "signedout") {
      var a = document.createElement("a");
      a.className = "btn btn--primary";
      a.href = loginLink();
      a.textContent = "Sign in to send";
      li.appendChild(a);
    }
    if (it.state === "failed") {
      var edit = document.createElement("button");
      edit.type = "button";
      edit.className = "btn";
      edit.dataset.outboxEdit = it.key;
      edit.textContent = "Edit";
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "btn btn--quiet";
      drop.dataset.outboxDiscard = it.key;
      drop.textContent = "Discard";
      var actions = document.createElement("div");
      actions.className = "outbox__actions";
      actions.append(edit, drop);
      li.appendChild(actions);
    }
    return li;
  }
  function show() {
    forms.forEach(function (form) {
      var shown = savedHere.filter(function (it) { return it.action === actionOf(form); }).concat(mine(form));
      var list = form.parentNode.querySelector("[data-outbox-list]");
      if (!shown.length && !list) return;
      list = listFor(form);
      var ol = list.querySelector("ol");
      ol.replaceChildren.apply(ol, shown.map(row));
      list.hidden = !shown.length;
    });
    elsewhere();
  }
  // On other pages: say that concerns are still waiting, with a way back to them.
  function elsewhere() {
    var here = forms.map(actionOf);
    var away = items().filter(function (it) { return here.indexOf(it.action) < 0; });
    var note = document.getElementById("outbox-elsewhere");
    if (!away.length) { if (note) note.remove(); return; }
    var main = document.getElementById("main");
    if (!main) return;
    if (!note) {
      note = document.createElement("p");
      note.id = "outbox-elsewhere";
      note.className = "alert alert--warn";
      note.setAttribute("role", "status");
      main.insertBefore(note, main.firstChild);
    }
    var link = document.createElement("a");
    link.href = away[0].page;
    link.textContent = "Open the page to send " + (away.length === 1 ? "it" : "them");
    note.replaceChildren(document.createTextNode(
      (away.length === 1 ? "1 concern is" : away.length + " concerns are") + " not on the log yet. "), link);
  }

  // --- sending ---
  function reasonFrom(doc, res) {
    if (res.headers.get("HX-Retarget")) {
      var h1 = doc.querySelector("h1"), lead = doc.querySelector(".lead");
      return [h1 && h1.textContent, lead && lead.textContent].filter(Boolean).join(". ");
    }
    var found = [];
    doc.querySelectorAll(".field__error, .alert--error p, p.alert--error").forEach(function (el) {
      var t = el.textContent.replace("⚠", "").trim();
      if (t && found.indexOf(t) < 0) found.push(t);
    });
    return found.join(" ") || "The server did not accept it.";
  }
  function refreshFrom(doc, form) {
    if (!form) return;
    (form.dataset.outboxRefresh || "").split(/\s+/).forEach(function (sel) {
      var fresh = sel && doc.querySelector(sel), old = sel && document.querySelector(sel);
      if (fresh && old && (old.getAttribute("role") === "status" || old.hasAttribute("aria-live"))) {
        old.innerHTML = fresh.innerHTML;  // the same live region, so screen readers announce it
      } else if (fresh && old) {
        old.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      }
    });
  }
  function later() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }
  function failed(it, form, reason, doc) {
    var box = form && textField(form);
    if (box && !box.value.trim()) {
      // Back into the box to edit, with the server's messages in place (as without JS);
      // the draft now holds it.
      remove(it.key);
      var fresh = doc && doc.querySelector("form[action='" + form.getAttribute("action") + "']");
      if (fresh) {
        form.replaceChildren.apply(form, Array.prototype.slice.call(fresh.childNodes));
        say(form, "");
      } else {
        fill(form, it.fields);
        say(form, "Could not be saved: " + reason);
      }
      saveDraft(form);
      savedHere.push({ key: it.key, action: it.action, text: it.text, state: "moved" });
      box = textField(form);
      if (box) box.focus();
    } else {
      update(it.key, function (x) { x.state = "failed"; x.reason = reason; });
    }
  }
  function clearErrors(form) {
    form.querySelectorAll(".field__error, .alert--error").forEach(function (el) {
      if (!el.hasAttribute("data-outbox-message")) el.remove();
    });
    form.querySelectorAll(".field--invalid").forEach(function (el) { el.classList.remove("field--invalid"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) { return id && !/-error$/.test(id); });
      if (ids.length) el.setAttribute("aria-describedby", ids.join(" ")); else el.removeAttribute("aria-describedby");
    });
  }
  function say(form, message) {
    var p = form.querySelector("[data-outbox-message]");
    if (!p) {
      p = document.createElement("p");
      p.className = "alert alert--error";
      p.setAttribute("role", "alert");
      p.setAttribute("data-outbox-message", "");
      form.insertBefore(p, form.firstChild);
    }
    p.textContent = message;
    p.hidden = !message;
  }
  var everywhere = false;  // the sign-out's "Send now": also items of other pages
  function next() {
    var here = forms.map(actionOf);
    return items().filter(function (it) {
      return it.state === "waiting" && (everywhere || here.indexOf(it.action) >= 0);
    })[0];
  }
  function flush() {
    if (sending || leaving) return;
    var it = next();
    if (!it) return;
    var form = formFor(it.action);
    sending = true;
    update(it.key, function (x) { x.state = "sending"; });
    show();
    var params = new URLSearchParams();
    it.fields.forEach(function (pair) { params.append(pair[0], pair[1]); });
    params.append("idempotency_key", it.key);
    fetch(it.action, {
      method: "POST",
      body: params,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href, "X-CSRFToken": csrfToken() }
    }).then(function (res) {
      if (res.status === 401 && res.headers.get("X-Rounds-Signed-Out")) {
        var list = items();
        list.forEach(function (x) { if (x.state === "waiting" || x.key === it.key) x.state = "signedout"; });
        saveItems(list);
        return "stop";
      }
      if (res.status >= 500 || res.status === 429 || res.status === 408) {
        update(it.key, function (x) { x.state = "waiting"; });
        return "later";
      }
      return res.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (res.ok && res.headers.get("X-Rounds-Saved")) {
          remove(it.key);
          savedHere.push({ key: it.key, action: it.action, text: it.text, state: "saved" });
          refreshFrom(doc, form);
          retryDelay = 2000;
          return "more";
        }
        failed(it, form, reasonFrom(doc, res), res.headers.get("HX-Retarget") ? null : doc);
        return "more";
      });
    }, function () {
      update(it.key, function (x) { x.state = "waiting"; });  // offline or the server unreachable
      return "later";
    }).then(function (what) {
      sending = false;
      show();
      if (what === "more") flush();
      else if (what === "later") later();
    });
  }
  // Exposed for the manual sign-out: try to send everything now; true when nothing is left.
  function sendAllNow(done) {
    var list = items();
    list.forEach(function (x) { if (x.state !== "failed") x.state = "waiting"; });
    saveItems(list);
    retryDelay = 2000;
    everywhere = true;
    flush();
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      var left = items();
      if (!sending && (!left.length || left.every(function (x) { return x.state !== "waiting" && x.state !== "sending"; }))) {
        window.clearInterval(timer);
        everywhere = false;
        done(!left.length);
      } else if (tries > 50) {
        window.clearInterval(timer);
        everywhere = false;
        done(false);
      }
    }, 200);
  }

  // --- wiring ---
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (forms.indexOf(form) < 0) return;
    // Ours, not htmx's: stop the event before it reaches the form's own listeners.
    evt.preventDefault();
    evt.stopPropagation();
    var box = textField(form);
    if (!box || !box.value.trim()) {
      say(form, "Describe the concern in the staff's words.");
      if (box) box.focus();
      return;
    }
    // A field required with a ticked checkbox ("what's in the way" with "Needs my help").
    var missing = Array.prototype.filter.call(form.querySelectorAll("[data-outbox-required-if]"), function (el) {
      var box2 = form.elements.namedItem(el.dataset.outboxRequiredIf);
      return box2 && box2.checked && !el.value.trim();
    })[0];
    if (missing) {
      say(form, missing.dataset.outboxRequiredMessage || "Fill in the highlighted field.");
      missing.setAttribute("aria-invalid", "true");
      missing.focus();
      return;
    }
    say(form, "");
    clearErrors(form);
    var list = items();
    list.push({
      key: newKey(), action: actionOf(form), page: location.pathname + location.search,
      fields: fieldsOf(form), text: box.value.trim(), state: "waiting", at: Date.now()
    });
    saveItems(list);
    savedHere = savedHere.filter(function (x) { return x.state === "saved"; }).slice(-3);
    clearForAdd(form);
    saveDraft(form);
    box.focus();
    show();
    retryDelay = 2000;
    flush();
  }, true);

  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("[data-outbox-edit], [data-outbox-discard]");
    if (!btn) return;
    var key = btn.dataset.outboxEdit || btn.dataset.outboxDiscard;
    var it = items().filter(function (x) { return x.key === key; })[0];
    if (!it) return;
    var form = formFor(it.action);
    if (btn.dataset.outboxEdit && form) {
      var box = textField(form);
      if (box && box.value.trim()) {
        say(form, "Add or clear what is in the box first, then edit this one.");
        return;
      }
      fill(form, it.fields);
      saveDraft(form);
      say(form, "Could not be saved: " + (it.reason || "") + " Edit it and add it again.");
      if (box) box.focus();
    }
    remove(key);
    show();
  });

  forms.forEach(function (form) {
    restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
  });

  // After a crash mid-send or a sign-in, what was in flight or waiting for sign-in goes again.
  var start = items();
  start.forEach(function (x) { if (x.state === "sending" || x.state === "signedout") x.state = "waiting"; });
  saveItems(start);
  show();
  flush();

  window.addEventListener("online", function () { retryDelay = 2000; flush(); });
  window.addEventListener("storage", function (evt) { if (evt.key === BOX) show(); });
  document.addEventListener("rounds:signing-out", function () {
    leaving = true;
    forms.forEach(saveDraft);
  });
  window.addEventListener("beforeunload", function (evt) {
    if (leaving) return;
    var typed = forms.some(function (f) { var b = textField(f); return b && b.value.trim(); });
    // Signed-out items wait for the sign-in (that is where the person is going): no question.
    var unsent = forms.some(function (f) {
      return mine(f).some(function (x) { return x.state === "waiting" || x.state === "sending"; });
    });
    if (typed || unsent) { evt.preventDefault(); evt.returnValue = ""; }
  });

  // Manual sign-out with concerns not on the log yet: ask (send now / discard / stay).
  var signout = document.querySelector("form.signout");
  var dialog = document.getElementById("outbox-signout");
  if (signout && dialog) {
    var count = dialog.querySelector("[data-outbox-count]");
    var status = dialog.querySelector("[data-outbox-status]");
    var leave = function () {
      leaving = true;
      signout.dataset.outboxAsked = "1";
      if (signout.requestSubmit) signout.requestSubmit(); else signout.submit();
    };
    signout.addEventListener("submit", function (evt) {
      if (signout.dataset.outboxAsked) return;
      forms.forEach(saveDraft);
      var unsent = items().length;
      var drafts = Object.keys(localStorage).filter(function (k) { return k.indexOf(DRAFT) === 0; }).length;
      if (!unsent && !drafts) { leaving = true; return; }
      evt.preventDefault();
      count.textContent = unsent === 1 ? "1 concern is" : unsent + " concerns are";
      if (!unsent) count.textContent = "Some typed text is";
      status.textContent = "";
      dialog.showModal();
    });
    dialog.addEventListener("click", function (evt) {
      var choice = evt.target.closest && evt.target.closest("[data-outbox-choice]");
      if (!choice) return;
      var what = choice.dataset.outboxChoice;
      if (what === "stay") { dialog.close(); return; }
      if (what === "discard") {
        write(BOX, null);
        Object.keys(localStorage).forEach(function (k) { if (k.indexOf(DRAFT) === 0) localStorage.removeItem(k); });
        forms.forEach(function (f) { clearForAdd(f); });
        leave();
        return;
      }
      status.textContent = "Sending…";
      sendAllNow(function (allSent) {
        if (allSent) {
          Object.keys(localStorage).forEach(function (k) { if (k.indexOf(DRAFT) === 0) localStorage.removeItem(k); });
          leave();
        } else {
          status.textContent = "Not everything could be sent (no connection, or a concern needs editing). " +
            "Try again, or discard and sign out.";
        }
      });
    });
  }
})();

// Any other htmx save that arrives after the session ended gets 401 + X-Rounds-Signed-Out (not
// a redirect, so what was typed stays on the page): say so, with a way back here after sign-in.
document.addEventListener("htmx:responseError", function (evt) {
  var xhr = evt.detail && evt.detail.xhr;
  if (!xhr || xhr.status !== 401 || !xhr.getResponseHeader("X-Rounds-Signed-Out")) return;
  var main = document.getElementById("main");
  if (!main || document.getElementById("signed-out-note")) return;
  var note = document.createElement("p");
  note.id = "signed-out-note";
  note.className = "alert alert--warn";
  note.setAttribute("role", "alert");
  var link = document.createElement("a");
  link.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  link.textContent = "Sign in again";
  note.append(document.createTextNode("Signed out – that was not saved. Your text is still on this page. "), link);
  main.insertBefore(note, main.firstChild);
});
// === Round screen (issue 20): fields shown with their checkbox, and Add above the keyboard ===
// [data-shown-with="name"] is shown only while the form's checkbox `name` is ticked (without
// JavaScript it is always shown). On a phone the on-screen keyboard shrinks the visual
// viewport without moving sticky elements on every browser: --keyboard lifts the Add bar.
(function () {
  function sync(root) {
    (root || document).querySelectorAll("[data-shown-with]").forEach(function (el) {
      var form = el.closest("form");
      var box = form && form.elements.namedItem(el.dataset.shownWith);
      var invalid = el.classList.contains("field--invalid");
      el.hidden = !!box && !box.checked && !invalid;
    });
  }
  sync();
  document.addEventListener("change", function () { sync(); });
  document.addEventListener("htmx:load", function (evt) { sync(evt.target); });
  var vv = window.visualViewport;
  var bar = document.querySelector(".capture__bar");
  if (vv && bar) {
    var lift = function () {
      var hidden = Math.max(0, window.innerHeight - vv.height - vv.offsetTop);
      document.documentElement.style.setProperty("--keyboard", hidden + "px");
    };
    vv.addEventListener("resize", lift);
    vv.addEventListener("scroll", lift);
    lift();
  }
})();
// === Board report (rounds/reports): the Print button exists only where JavaScript can print ===
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
