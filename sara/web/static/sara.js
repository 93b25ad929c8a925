// SARA's page start-up: GOV.UK Frontend's components, and htmx requests carry the CSRF token.
// No inline script anywhere (the Content-Security-Policy forbids it): pages load files.
import { initAll } from "/assets/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

document.body.addEventListener("htmx:configRequest", (event) => {
  const field = document.querySelector("input[name=csrf_token]");
  if (field) event.detail.headers["X-CSRF-Token"] = field.value;
});
