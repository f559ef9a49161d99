/* metroplan: the site's small behaviours, in a file so that the Content
   Security Policy can refuse every inline script and handler. Each one is
   asked for by a data- attribute (or a class) in the page. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // <select data-autosubmit>: choosing sends its form (language switch, plan chooser).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });

    // <input data-select-on-focus>: focusing selects the whole value (a new token's key).
    document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });

    // Update form: "Not available" empties and disables the number, so both cannot be sent.
    document.querySelectorAll("fieldset.indicator").forEach(function (set) {
      var na = set.querySelector("input[type=checkbox]");
      var value = set.querySelector("input[inputmode=decimal]");
      if (!na || !value) { return; }
      na.addEventListener("change", function () { value.disabled = na.checked; if (na.checked) { value.value = ""; } });
      if (na.checked && value.value === "") { value.disabled = true; }
    });
  });
})();
