// mqttgen docs: search and the sends/receives filter. No network, no spec text run as code: the
// page only reads the text of its items' summaries (marked data-s) and their data-a (action).
"use strict";
(function () {
  var status = document.getElementById("js-status");
  function report(text) {
    document.body.setAttribute("data-js", text);
    if (status) { status.textContent = text === "ok" ? "" : "Page script error: " + text; }
  }
  window.addEventListener("error", function (event) { report("error: " + event.message); });
  try {
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-s]"));
    var texts = items.map(function (item) {
      var summary = item.querySelector("summary");
      return (summary ? summary.textContent : item.textContent).toLowerCase();
    });
    var search = document.getElementById("search");
    var count = document.getElementById("search-count");
    var buttons = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
    var direction = "all";

    function apply() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item, index) {
        var text = texts[index];
        var action = item.getAttribute("data-a");
        var match = words.every(function (word) { return text.indexOf(word) >= 0; });
        if (direction !== "all" && action !== null && action !== direction) { match = false; }
        item.classList.toggle("hidden", !match);
        if (match) { shown += 1; }
      });
      document.querySelectorAll(".action").forEach(function (group) {
        var a = group.getAttribute("data-a");
        group.classList.toggle("hidden", direction !== "all" && a !== direction);
      });
      count.textContent = words.length || direction !== "all" ? shown + " of " + items.length + " shown" : "";
    }

    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 120);
    });
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        direction = button.getAttribute("data-filter");
        buttons.forEach(function (b) { b.classList.toggle("on", b === button); });
        apply();
      });
    });

    // Deep links into collapsed sections: open every <details> around the target.
    function reveal() {
      var id = decodeURIComponent(location.hash.slice(1));
      var target = id && document.getElementById(id);
      for (var node = target; node; node = node.parentElement) {
        if (node.tagName === "DETAILS") { node.open = true; }
        if (node.classList && node.classList.contains("hidden")) { node.classList.remove("hidden"); }
      }
      if (target) { target.scrollIntoView(); }
    }
    window.addEventListener("hashchange", reveal);
    reveal();
    report("ok");
  } catch (error) {
    report("error: " + error.message);
  }
})();
