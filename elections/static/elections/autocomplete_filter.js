/* The center list filter: choosing a center in the autocomplete box reloads the changelist
 * with that center's id in the query string (other filters and the search are kept). */
(function () {
  "use strict";
  function apply(select) {
    var param = select.getAttribute("data-filter-param");
    var query = new URLSearchParams(window.location.search);
    if (select.value) {
      query.set(param, select.value);
    } else {
      query.delete(param);
    }
    query.delete("p");
    window.location.search = query.toString();
  }
  window.addEventListener("load", function () {
    document.querySelectorAll("select[data-filter-param]").forEach(function (select) {
      if (window.django && window.django.jQuery) {
        window.django.jQuery(select).on("change", function () { apply(select); });
      } else {
        select.addEventListener("change", function () { apply(select); });
      }
    });
  });
})();
