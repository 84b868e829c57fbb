// entry.js - the Entry module's script, injected once: count the entries drawn.
document.addEventListener("DOMContentLoaded", function () {
  var n = document.querySelectorAll("article.entry").length;
  document.body.setAttribute("data-entries", String(n));
});
