"""The ``countersign`` command: one module per subcommand, each returning an exit code."""
