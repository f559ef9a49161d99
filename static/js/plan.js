/* metroplan plan pages: small progressive enhancements, no libraries. */
(function () {
  "use strict";

  function norm(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // Participants picker: filter by name, country code or region; count; all/none per region.
  function initPicker(picker) {
    var filter = picker.querySelector("[data-picker-filter]");
    var count = picker.querySelector("[data-picker-count]");
    var onlySelected = picker.querySelector("[data-picker-only-selected]");
    function refresh() {
      var query = norm(filter.value.trim());
      var selected = 0;
      picker.querySelectorAll("[data-picker-region]").forEach(function (region) {
        var regionMatch = query && norm(region.dataset.regionName).indexOf(query) !== -1;
        var visible = 0;
        region.querySelectorAll("[data-picker-item]").forEach(function (item) {
          var box = item.querySelector("input");
          if (box.checked) { selected += 1; }
          var show = (!query || regionMatch || norm(item.textContent).indexOf(query) !== -1) &&
            (!onlySelected.checked || box.checked);
          item.hidden = !show;
          if (show) { visible += 1; }
        });
        region.hidden = visible === 0;
      });
      count.textContent = selected;
    }
    picker.addEventListener("change", refresh);
    filter.addEventListener("input", refresh);
    picker.querySelectorAll("[data-picker-all], [data-picker-none]").forEach(function (button) {
      button.addEventListener("click", function () {
        var on = button.hasAttribute("data-picker-all");
        button.closest("[data-picker-region]").querySelectorAll("[data-picker-item]").forEach(function (item) {
          if (!item.hidden) { item.querySelector("input").checked = on; }
        });
        refresh();
      });
    });
    refresh();
  }

  // A search box that narrows a <select>'s options (add-a-participant form).
  function initSelectFilter(input) {
    var select = document.getElementById(input.dataset.filterFor);
    if (!select) { return; }
    input.addEventListener("input", function () {
      var query = norm(input.value.trim());
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var groupMatch = query && norm(group.label).indexOf(query) !== -1;
        var visible = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var show = !query || groupMatch || norm(option.textContent).indexOf(query) !== -1;
          option.hidden = !show;
          option.disabled = !show;
          if (show) { visible += 1; if (!first) { first = option; } }
        });
        group.hidden = visible === 0;
      });
      if (first && query) { select.value = first.value; }
    });
  }

  // Carry-over: ticking a goal ticks its actions.
  function initCarryGoal(block) {
    var goalBox = block.querySelector("[data-goal-box]");
    goalBox.addEventListener("change", function () {
      block.querySelectorAll("ul input[type=checkbox]").forEach(function (box) { box.checked = goalBox.checked; });
    });
  }

  function once(fn) {
    return function (element) {
      if (element.dataset.planReady) { return; }
      element.dataset.planReady = "1";
      fn(element);
    };
  }

  function init(root) {
    root.querySelectorAll("[data-picker]").forEach(once(initPicker));
    root.querySelectorAll("[data-filter-for]").forEach(once(initSelectFilter));
    root.querySelectorAll("[data-carry-goal]").forEach(once(initCarryGoal));
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
