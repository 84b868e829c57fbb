// site.js - the whole site's script: focus the search box on "/".
document.addEventListener("keydown", function (e) {
  if (e.key === "/") { e.preventDefault(); document.querySelector("input[name=q]").focus(); }
});
