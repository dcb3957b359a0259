// Failed htmx requests are never dropped silently: htmx does not swap a 4xx/5xx answer (or
// a request that never got one), so this says what happened in the page's alert region.
// The server explains itself in the X-Console-Message header (console/errorpages.py).
(function () {
  "use strict";

  function region() {
    return document.getElementById("htmx-alert");
  }

  function show(text) {
    var box = region();
    if (!box) return;
    box.querySelector("[data-alert-text]").textContent = text;
    box.hidden = false;
  }

  function hide() {
    var box = region();
    if (box) box.hidden = true;
  }

  function messageFor(xhr) {
    var fromServer = xhr.getResponseHeader("X-Console-Message");
    var requestId = xhr.getResponseHeader("X-Request-ID");
    if (xhr.status >= 500) {
      return (
        (fromServer || "Something went wrong on the console's side.") +
        (requestId && !fromServer ? " Quote request id " + requestId + "." : "")
      );
    }
    if (fromServer) return fromServer;
    if (xhr.status === 403) return "Your role does not allow this.";
    if (xhr.status === 404) return "That page or item no longer exists. Reload the page.";
    if (xhr.status === 429) return "Too many requests: wait a moment and try again.";
    return "The console answered " + xhr.status + ": nothing was changed. Reload the page and try again.";
  }

  document.addEventListener("htmx:responseError", function (event) {
    show(messageFor(event.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function () {
    show("The console did not answer: check your connection, then try again. Nothing was changed.");
  });
  document.addEventListener("htmx:beforeRequest", hide);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-alert-dismiss]")) hide();
  });
})();

// Keyboard focus around the pool page's in-place editors (htmx swaps a section's outerHTML, so
// the focused button or link is gone and the browser puts the focus on <body>):
//  - opening an editor ("Edit …", marked data-editor-opener) focuses its heading
//    (data-focus-start), or its first field when it has no heading;
//  - a save that comes back with errors focuses the error summary (or the first invalid field);
//  - closing it (Cancel, or a save that shows the section again) focuses the button that
//    opened it.
// Swaps that keep the focus themselves are left alone: htmx honours autofocus (the row
// buttons) and gives the focus back to a control with the same id (the role-selection radios).
// Without JavaScript each "Edit …" is a link to a page of its own, so nothing here is needed.
(function () {
  "use strict";

  var openerId = null; // id of the "Edit …" button whose editor is open

  function focusOn(element) {
    if (!element) return false;
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return document.activeElement === element;
  }

  function isSaveAttempt(config) {
    // A submit whose button is not a row or refresh button (those carry formnovalidate).
    var event = config && config.triggeringEvent;
    if (!event || event.type !== "submit") return false;
    var button = event.submitter;
    return !button || !button.hasAttribute("formnovalidate");
  }

  function firstError(container) {
    return (
      container.querySelector(".error-box, [data-error-summary]") ||
      container.querySelector('[aria-invalid="true"]') ||
      container.querySelector(".errorlist")
    );
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-editor-opener") && elt.id) {
      openerId = elt.id;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    var container = event.target;
    // Only the request's own target (not an out-of-band swap that came with it).
    if (!detail.target || !container.id || container.id !== detail.target.id) return;
    var config = detail.requestConfig;
    var error = isSaveAttempt(config) ? firstError(container) : null;
    if (error) {
      focusOn(error);
      return;
    }
    if (!focusLost()) return;
    var start = container.querySelector("[data-focus-start]");
    if (start) {
      focusOn(start);
      return;
    }
    var opener = openerId && document.getElementById(openerId);
    if (opener && container.contains(opener)) {
      openerId = null;
      focusOn(opener);
      return;
    }
    var field = container.querySelector("input:not([type=hidden]):not([tabindex='-1']), select, textarea");
    if (container.classList.contains("editing")) focusOn(field);
  });
})();
