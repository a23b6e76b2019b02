// Page behaviour beyond htmx. No inline scripts anywhere: the CSP allows only files
// from this site. Every core flow works without this file.
(function () {
  "use strict";

  function showMessage(text) {
    var area = document.getElementById("messages");
    if (!area) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    area.replaceChildren(alert);
  }

  // A 5xx is not swapped (htmx-config); say so in the user's language instead.
  document.addEventListener("htmx:responseError", function () {
    showMessage(document.body.dataset.msgServerError);
  });
  // Mobile networks drop: tell the user nothing was sent rather than fail silently.
  document.addEventListener("htmx:sendError", function () {
    showMessage(document.body.dataset.msgNetworkError);
  });
  // A new swap of content clears an old message about a previous action.
  document.addEventListener("htmx:beforeRequest", function () {
    var area = document.getElementById("messages");
    if (area) area.replaceChildren();
  });
})();
