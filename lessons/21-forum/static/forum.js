/* forum.js - what JavaScript adds to pages that work without it:
   likes without a reload, a preview of an image before it is uploaded,
   and notifications pushed live over a WebSocket. Each part finds its
   elements by data attributes and does nothing when they are absent. */
(function () {
  "use strict";

  /* Likes: the like form posts in the background and the count changes
     in place; without JavaScript the same form posts and the page reloads. */
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[data-like]")) return;
    ev.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (res) {
      if (!res.ok) throw new Error("like refused: " + res.status);
      return res.json();
    }).then(function (data) {
      var count = form.querySelector("[data-count]");
      var button = form.querySelector("button");
      if (count) count.textContent = data.like_nums;
      if (button) button.textContent = data.has_liked ? "Unlike" : "Like";
    }).catch(function () { form.submit(); });
  });

  /* Upload previews: an image chosen in a file input shows beside it. */
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (input.type !== "file" || !input.files || !input.files[0]) return;
    var file = input.files[0];
    if (!/^image\//.test(file.type)) return;
    var img = input.parentNode.querySelector("img.preview");
    if (!img) {
      img = document.createElement("img");
      img.className = "preview";
      img.alt = "preview";
      input.parentNode.appendChild(img);
    }
    if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
    img.dataset.url = URL.createObjectURL(file);
    img.src = img.dataset.url;
  });

  /* Live notifications: the page of a signed-in user names the socket in
     <body data-live="/ws/notifications">; each message raises the unread
     badge and shows a short toast. The socket comes back after a drop,
     waiting longer each time (at most a minute). */
  var live = document.body && document.body.getAttribute("data-live");
  if (!live || !window.WebSocket) return;
  var badge = document.getElementById("unread");
  var toast = document.getElementById("toast");
  var delay = 1000;
  var words = { 1: "commented on your post", 2: "replied to you", 3: "liked your comment",
                4: "answered your question", 5: "replied to your answer" };

  function show(text) {
    if (!toast) return;
    toast.textContent = text;
    toast.className = "show";
    clearTimeout(show.timer);
    show.timer = setTimeout(function () { toast.className = ""; }, 6000);
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + live;
    var ws = new WebSocket(url);
    ws.onopen = function () { delay = 1000; };
    ws.onmessage = function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.event === "read") { /* read on another page: the count it left */
        if (badge) badge.textContent = m.unread > 0 ? String(m.unread) : "";
        return;
      }
      if (m.event !== "message") return; /* "ready": the socket is listening */
      if (badge) badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
      var who = (m.sender && (m.sender.nick_name || m.sender.mobile)) || "Someone";
      show(who + " " + (words[m.message_type] || "sent you a message") +
           (m.message ? ": " + m.message : ""));
      document.dispatchEvent(new CustomEvent("forum:notification", { detail: m }));
    };
    ws.onclose = function () {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 60000);
    };
  }
  connect();
})();
