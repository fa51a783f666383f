"""UI and HTTP shell shared by every domain: problems, middleware, CSRF, templates, i18n."""
