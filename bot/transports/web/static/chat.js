/* The web chat's script. No framework, no storage, no history entries: the conversation's
 * token and everything shown live in this closure only, and are gone with the page.
 * Quick exit (the button, Escape, or Shift pressed three times) blanks the page at once, asks
 * the server to erase the conversation (sendBeacon, else fetch keepalive) and replaces this
 * page in the history with a neutral site (location.replace), so Back does not return here. */
(function () {
  "use strict";

  var root = document.documentElement;
  var body = document.body;
  var exitUrl = body.getAttribute("data-exit");
  var embedded = body.getAttribute("data-embedded") === "1";
  var log = document.getElementById("log");
  var form = document.getElementById("say");
  var field = document.getElementById("text");
  var token = null; // the conversation reference: page memory only
  var lang = root.lang;
  var offline = body.getAttribute("data-offline");
  var emergency = document.getElementById("emergency").textContent;
  var waiting = false;
  var gone = false;

  // ------------------------------------------------------------------ quick exit
  function erase() {
    var t = token;
    token = null;
    if (!t) return;
    var sent = false;
    try {
      sent = navigator.sendBeacon("api/erase", t);
    } catch (e) {
      sent = false;
    }
    if (!sent) {
      try {
        fetch("api/erase", { method: "POST", body: t, keepalive: true, credentials: "omit" });
      } catch (e) {
        /* nothing more a page can do */
      }
    }
  }

  function quickExit() {
    if (gone) return;
    gone = true;
    root.className = "gone";
    body.textContent = "";
    document.title = "";
    erase();
    if (embedded && window.top !== window) {
      try {
        window.top.location.replace(exitUrl);
      } catch (e) {
        /* a frame may not be allowed to move the page around it; it moves itself */
      }
    }
    window.location.replace(exitUrl);
  }

  var shifts = 0;
  var lastShift = 0;
  var shiftAlone = false;
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" || e.key === "Esc") {
      e.preventDefault();
      quickExit();
    } else if (e.key === "Shift") {
      if (!e.repeat) shiftAlone = true;
    } else {
      shifts = 0; // Shift used for a capital letter does not count
      shiftAlone = false;
    }
  }, true);
  document.addEventListener("keyup", function (e) {
    if (e.key !== "Shift" || !shiftAlone) return;
    shiftAlone = false;
    var now = Date.now();
    shifts = now - lastShift > 1500 ? 1 : shifts + 1;
    lastShift = now;
    if (shifts >= 3) quickExit();
  }, true);
  document.getElementById("exit").addEventListener("click", quickExit);

  // Leaving or reloading forgets the conversation: nothing could bring it back anyway.
  window.addEventListener("pagehide", function () {
    erase();
    log.textContent = "";
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && !gone) begin();
  });

  // ------------------------------------------------------------------ showing
  function relabel(ui) {
    if (!ui) return;
    lang = ui.lang;
    root.lang = ui.lang;
    root.dir = ui.rtl ? "rtl" : "ltr";
    setText("exit", ui.exit);
    setText("exit-keys", ui.exit_keys);
    setText("text-label", ui.message);
    setText("send", ui.send);
    setText("emergency", ui.emergency);
    setText("cannot-hide", ui.cannot_hide);
    log.setAttribute("aria-label", ui.log);
    offline = ui.offline;
    emergency = ui.emergency;
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && typeof text === "string" && el.textContent !== text) el.textContent = text;
  }

  function paragraphs(el, text) {
    text.split(/\n{2,}/).forEach(function (para) {
      var p = document.createElement("p");
      para.split("\n").forEach(function (line, n) {
        if (n) p.appendChild(document.createElement("br"));
        p.appendChild(document.createTextNode(line));
      });
      el.appendChild(p);
    });
  }

  function buttons(m, list, kind) {
    if (!list || !list.length) return null;
    var group = document.createElement("div");
    group.className = "choices " + kind;
    list.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice " + kind;
      button.textContent = b.label;
      button.addEventListener("click", function () {
        mine(b.label, m.lang, m.rtl);
        send({ choice: b.id, node: m.node });
      });
      group.appendChild(button);
    });
    return group;
  }

  function calls(m) {
    var phones = (m.contacts || []).filter(function (c) { return c.phone; });
    if (!phones.length) return null;
    var list = document.createElement("p");
    list.className = "calls";
    phones.forEach(function (c) {
      var a = document.createElement("a");
      a.className = "call";
      a.href = "tel:" + c.phone.replace(/[^0-9+]/g, "");
      a.textContent = c.name + ": " + c.phone;
      list.appendChild(a);
    });
    return list;
  }

  function show(m) {
    var el = document.createElement("div");
    el.className = m.urgent ? "msg bot urgent" : "msg bot";
    el.lang = m.lang;
    el.dir = m.rtl ? "rtl" : "ltr";
    paragraphs(el, m.text);
    [calls(m), buttons(m, m.options, "option"), buttons(m, m.commands, "command")].forEach(
      function (part) { if (part) el.appendChild(part); }
    );
    log.appendChild(el);
    return el;
  }

  function mine(text, msgLang, rtl) {
    var el = document.createElement("div");
    el.className = "msg mine";
    el.lang = msgLang || lang;
    el.dir = "auto";
    el.textContent = text;
    log.appendChild(el);
  }

  function clearChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".choices"), function (group) {
      group.parentNode.removeChild(group);
    });
  }

  function answer(data, fromButton) {
    if (gone) return;
    if (data.token) token = data.token;
    if (data.erased) log.textContent = "";
    relabel(data.ui);
    clearChoices();
    var first = null;
    (data.messages || []).forEach(function (m) {
      var el = show(m);
      first = first || el;
    });
    // A new answer starts at the top of the screen; the greeting leaves the page as it is.
    if (first && first !== log.firstElementChild) first.scrollIntoView({ block: "start" });
    var next = log.querySelector(".choices .choice");
    if (fromButton) (next || field).focus();
  }

  function failed() {
    if (gone) return;
    show({ text: offline + "\n\n" + emergency, lang: lang, rtl: root.dir === "rtl" });
  }

  // ------------------------------------------------------------------ talking
  function post(path, payload) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      return response.json();
    });
  }

  function send(payload) {
    if (waiting || gone) return;
    var fromButton = !!payload.choice;
    waiting = true;
    log.setAttribute("aria-busy", "true");
    payload.token = token;
    payload.lang = lang;
    post("api/say", payload)
      .then(function (data) { answer(data, fromButton); }, failed)
      .then(function () {
        waiting = false;
        log.removeAttribute("aria-busy");
      });
  }

  function begin() {
    log.textContent = "";
    token = null;
    var code = new URLSearchParams(window.location.search).get("start");
    post("api/start", { lang: lang, code: code }).then(function (data) { answer(data, false); }, failed);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = field.value;
    if (!text.trim() || waiting) return;
    field.value = "";
    mine(text, lang);
    send({ text: text });
  });
  field.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  begin();
})();
