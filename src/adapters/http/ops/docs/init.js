// Starts Swagger UI on the OpenAPI document this service serves. A file of its own, not an
// inline script: the page's CSP allows scripts from this origin only.

window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No validator.swagger.io round trip (no third-party calls from this page).
    validatorUrl: null,
    // The bearer token stays in this tab's memory, never in localStorage.
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
  });
});
