// The identity browser's row selection: a live count, and one box to select the whole page.
// Without JavaScript the page still works: the selection is kept on the server, every button of
// the selection form (the pager's too) posts the page's ticks, and the count shows what the
// page was rendered with. The count here is the ids selected on other pages plus this page's ticks.
(function () {
  "use strict";

  function update(form) {
    var rows = form.querySelectorAll("input[data-select-row]");
    var checked = form.querySelectorAll("input[data-select-row]:checked").length;
    var count = form.querySelector("[data-selection-count]");
    if (count) {
      var base = parseInt(count.getAttribute("data-selection-base"), 10) || 0;
      count.textContent = (base + checked) + " selected";
    }
    var all = form.querySelector("input[data-select-page]");
    if (all) {
      all.hidden = false;
      all.checked = rows.length > 0 && checked === rows.length;
      all.indeterminate = checked > 0 && checked < rows.length;
    }
  }

  function setUp(root) {
    var forms = (root || document).querySelectorAll("form.selection");
    for (var i = 0; i < forms.length; i++) {
      update(forms[i]);
    }
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    var form = box.closest && box.closest("form.selection");
    if (!form) {
      return;
    }
    if (box.matches("input[data-select-page]")) {
      var rows = form.querySelectorAll("input[data-select-row]");
      for (var i = 0; i < rows.length; i++) {
        rows[i].checked = box.checked;
      }
    }
    update(form);
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // htmx swaps the table in place when paging: set up the new one.
  document.addEventListener("htmx:afterSwap", function () { setUp(document); });
})();
