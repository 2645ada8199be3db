// Served in place of xterm.js when Baton was built without it (web/install.sh
// could not install the pinned npm package): the page says so.
document.addEventListener("DOMContentLoaded", () => {
  document.body.insertAdjacentHTML("afterbegin",
    "<p class=\"fatal\">This Baton was built without xterm.js: run " +
    "web/install.sh (it needs npm) and build again.</p>");
});
