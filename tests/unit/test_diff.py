"""Parsing git's -U0 unified diffs into added lines."""

from __future__ import annotations

from countersign.core.diff import finish, parse_diff, unquote_path

PATCH = """\
diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -0,0 +1,2 @@
+import os
+import sys
@@ -5 +7 @@ def f():
-    old()
+    new()\r
@@ -9,2 +10,0 @@
-gone
-gone too
diff --git a/old name.sh b/scripts/new.sh
similarity index 90%
rename from old name.sh
rename to scripts/new.sh
index 3333333..4444444 100755
--- a/old name.sh
+++ b/scripts/new.sh
@@ -3,0 +4 @@ set -e
+rm -rf /tmp/x
diff --git a/logo.png b/logo.png
index 5555555..6666666 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 7777777..0000000
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git "a/caf\\303\\251 \\"q\\".txt" "b/caf\\303\\251 \\"q\\".txt"
new file mode 100644
index 0000000..8888888
--- /dev/null
+++ "b/caf\\303\\251 \\"q\\".txt"
@@ -0,0 +1 @@
+hello
\\ No newline at end of file
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
diff --git a/moved.txt b/elsewhere/moved.txt
similarity index 100%
rename from moved.txt
rename to elsewhere/moved.txt
"""


def test_parse_diff_reads_every_kind_of_file_change() -> None:
    changes = {c.path: c for c in finish(parse_diff(PATCH.split("\n")))}
    assert list(changes) == ["app.py", "scripts/new.sh", "logo.png", "gone.txt",
                             'café "q".txt', "run.sh", "elsewhere/moved.txt"]
    assert changes["app.py"].added == {0: "import os", 1: "import sys", 6: "    new()"}
    assert changes["app.py"].status == "modified" and changes["app.py"].old_path is None
    moved = changes["scripts/new.sh"]
    assert (moved.status, moved.old_path, moved.added) == ("renamed", "old name.sh",
                                                           {3: "rm -rf /tmp/x"})
    assert changes["logo.png"].binary and not changes["logo.png"].added
    assert changes["gone.txt"].status == "deleted" and not changes["gone.txt"].added
    assert changes['café "q".txt'].added == {0: "hello"}
    assert changes['café "q".txt'].status == "added"
    assert changes["run.sh"].added == {}
    assert changes["elsewhere/moved.txt"].old_path == "moved.txt"


def test_new_binary_file_and_deleted_binary_file() -> None:
    patch = ("diff --git a/x.bin b/x.bin\nnew file mode 100644\nindex 0..1\n"
             "Binary files /dev/null and b/x.bin differ\n"
             "diff --git a/y.bin b/y.bin\ndeleted file mode 100644\nindex 1..0\n"
             "Binary files a/y.bin and /dev/null differ\n")
    x, y = finish(parse_diff(patch.split("\n")))
    assert (x.path, x.status, x.binary) == ("x.bin", "added", True)
    assert (y.path, y.status, y.binary) == ("y.bin", "deleted", True)


def test_unquote_path_handles_octal_utf8_and_escapes() -> None:
    assert unquote_path('"tab\\there"') == "tab\there"
    assert unquote_path('"\\346\\227\\245\\346\\234\\254.txt"') == "日本.txt"
    assert unquote_path("plain name.txt") == "plain name.txt"
