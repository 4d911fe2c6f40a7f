/* Small touches for every page. */
(function () {
  "use strict";
  // Filters stay folded on phones, where the map or list matters more, and open on wide screens.
  var filters = document.getElementById("filter-box");
  if (filters && window.matchMedia("(min-width: 960px)").matches) filters.open = true;
})();
