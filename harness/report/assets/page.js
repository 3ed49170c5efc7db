// Sort and filter the tables marked data-sortable; no network, no dependencies.
(function () {
  "use strict";
  function cellValue(row, index) {
    const cell = row.cells[index];
    const raw = cell.getAttribute("data-value");
    if (raw !== null) {
      return raw === "" ? Number.NEGATIVE_INFINITY : Number(raw);
    }
    return cell.textContent.trim().toLowerCase();
  }
  function sortBy(table, index, th) {
    const body = table.tBodies[0];
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a, index);
      const y = cellValue(b, index);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      const button = th.querySelector("button");
      if (button) {
        button.addEventListener("click", function () { sortBy(table, index, th); });
      }
    });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    const table = document.getElementById(input.getAttribute("data-filter"));
    const counter = document.getElementById(input.getAttribute("data-counter"));
    input.addEventListener("input", function () {
      const needle = input.value.trim().toLowerCase();
      let shown = 0;
      Array.from(table.tBodies[0].rows).forEach(function (row) {
        const match = !needle || row.textContent.toLowerCase().includes(needle);
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (counter) { counter.textContent = shown + " shown"; }
    });
  });
})();
