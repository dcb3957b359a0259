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
