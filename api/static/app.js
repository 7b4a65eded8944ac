// Keyboard use of the queue: j / k move, Enter opens, "/" jumps to the filters.
(function () {
  "use strict";
  let row = -1;
  function rows() { return Array.from(document.querySelectorAll("table.queue tbody tr[data-href]")); }
  function select(index) {
    const all = rows();
    if (!all.length) { return; }
    row = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (tr, i) { tr.classList.toggle("selected", i === row); });
    all[row].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { select(row + 1); }
    else if (event.key === "k") { select(row - 1); }
    else if (event.key === "Enter" && row >= 0 && rows()[row]) { window.location = rows()[row].dataset.href; }
    else if (event.key === "/") {
      const first = document.querySelector(".filters select");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () { if (row >= 0) { select(row); } });
})();
