"""``python -m countersign``: what the installed git hooks run.

``hook run`` skips building the full command line (which imports every subcommand): a
git hook runs on every commit and its start-up time is the user's wait.
"""

import sys

if sys.argv[1:3] == ["hook", "run"] and len(sys.argv) > 3:
    from countersign.cli.hook_run import run_hook

    raise SystemExit(run_hook(sys.argv[3], sys.argv[4:]))
if sys.argv[1:3] == ["hook", "daemon"] and len(sys.argv) > 3 and sys.argv[3][:1] != "-":
    from countersign.cli.hook_daemon import main

    raise SystemExit(main(sys.argv[3:]))

from countersign.cli.main import run

run()
