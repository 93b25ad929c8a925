"""The pages and their JSON twins, one module per area of work (``sara.web.app.PAGES``)."""
