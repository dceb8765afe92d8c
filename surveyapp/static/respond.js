/* Progressive enhancement for the respondent's pages; everything works without it. */
(function () {
  "use strict";

  // After a failed submit the server puts focus on the error summary; with script we go
  // one step further and put it on the first field that needs attention.
  var firstInvalid = document.querySelector('#page-form [aria-invalid="true"]');
  if (firstInvalid) {
    var checked = firstInvalid.type === "radio" &&
      document.querySelector('input[name="' + firstInvalid.name + '"]:checked');
    (checked || firstInvalid).focus();
  }

  // Typing an "other, namely" answer chooses the "other" option.
  document.querySelectorAll(".other-text input").forEach(function (input) {
    input.addEventListener("input", function () {
      var option = input.closest("fieldset").querySelector(".choice.other input");
      if (option && input.value.trim() !== "") { option.checked = true; }
    });
  });

  // One submit per page: a double click must not post twice.
  var form = document.getElementById("page-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  }
})();
