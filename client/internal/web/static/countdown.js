// Optional: counts down the expiry of access tokens shown in the inspector.
// The pages work without it; the server already printed the time left.
(function () {
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("time.countdown[data-expires]").forEach(function (el) {
      var left = Math.round(Number(el.dataset.expires) - now);
      if (left <= 0) { el.textContent = "expired"; el.classList.add("expired"); return; }
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = (m > 0 ? m + "m" : "") + s + "s";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
