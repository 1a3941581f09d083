"""The countersign language server (pygls 2): handlers in ``server``, features beside it."""
