// Start-up code for the ReDoc page (`/redoc`). Served from our own origin so the page's
// Content-Security-Policy needs no inline script.
(function () {
  'use strict';
  var root = document.getElementById('redoc');
  Redoc.init(root.getAttribute('data-openapi-url'), {}, root);
})();
