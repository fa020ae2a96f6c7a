// Start-up code for the Swagger UI page (`/docs`). Served from our own origin so the page's
// Content-Security-Policy needs no inline script.
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-openapi-url'),
    domNode: root,
    deepLinking: true,
    // Do not send the document to the public validator (validator.swagger.io).
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
})();
