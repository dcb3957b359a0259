// The job forms' pool picker (templates/jobs/_pool_fields.html): a filter box above the list of
// pools, matching any part of a pool's name, id or region. Without JavaScript the list works as
// it is (a select's own keyboard search finds a pool by the start of its name).
// In the box: Enter or the down arrow moves to the list, choosing the first pool shown.
(function () {
  "use strict";

  function matches(option, words) {
    var text = (option.textContent + " " + (option.parentNode.label || "")).toLowerCase();
    return words.every(function (word) {
      return text.indexOf(word) !== -1;
    });
  }

  function apply(select, box, status) {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    var total = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return; // "Choose a pool…" stays
      total += 1;
      var keep = matches(option, words);
      option.hidden = !keep;
      option.disabled = !keep; // browsers that ignore hidden options still skip disabled ones
      if (keep) shown += 1;
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (option) {
        return !option.hidden;
      });
    });
    status.textContent = words.length ? shown + " of " + total + " pools match" : "";
  }

  function firstShown(select) {
    return Array.prototype.find.call(select.options, function (option) {
      return option.value && !option.hidden;
    });
  }

  function enhance(select) {
    if (select.hasAttribute("data-pool-filtered")) return; // the script may be included twice
    select.setAttribute("data-pool-filtered", "");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "pool-filter";
    box.id = select.id + "-filter";
    box.setAttribute("autocomplete", "off");
    box.setAttribute("spellcheck", "false");
    box.setAttribute("aria-controls", select.id);
    var label = document.createElement("label");
    label.htmlFor = box.id;
    label.className = "pool-filter-label";
    label.textContent = "Filter the list by name, id or region";
    var status = document.createElement("span");
    status.className = "field-hint";
    status.setAttribute("role", "status");
    var wrapper = document.createElement("div");
    wrapper.className = "pool-filter-line";
    wrapper.append(label, box, status);
    select.parentNode.insertBefore(wrapper, select);

    box.addEventListener("input", function () {
      apply(select, box, status);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== "ArrowDown") return;
      event.preventDefault(); // Enter here must not submit the form
      var option = firstShown(select);
      if (option && (select.selectedIndex <= 0 || select.options[select.selectedIndex].hidden)) {
        option.selected = true;
      }
      select.focus();
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-pool-picker]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
