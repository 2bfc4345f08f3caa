"""The reading room: browse, search, compare and cite the archive in a browser (a Datasette plugin and a static site).

One job per module: ``plugin`` (the Datasette hooks and routes), ``links`` (where a page lives, served or
static), ``templating`` (the Jinja environment: every page text made safe, ``lang`` on every text),
``start_page``, ``statement_page``, ``changes_page``, ``search_page`` (one module per page: the page's
context and its HTML), ``crosslang`` (two languages side by side), ``citation``, ``charts`` (SVG),
``static_site`` (`crawl site`). Every SQL statement they need is in store/ (reading_room, change_list,
search, charts, site_marks); the templates are in ``jinja/``, the style sheet in ``assets/``.
"""
