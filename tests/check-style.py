#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks every file git tracks against the rules .editorconfig sets for it:
# UTF-8, LF line ends, a final newline, no trailing whitespace, no tabs
# where indent_style is space, and max_line_length (in characters, not
# bytes). Binary files are left out. Prints one line per problem
# ("path:line: what") and exits 1 when there is any.
#
# Usage: check-style.py [SOURCE_ROOT]

import fnmatch
import os
import re
import subprocess
import sys


def expand_braces(pattern):
    """'*.{c,h}' -> ['*.c', '*.h'] (one level, as .editorconfig uses it)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[:match.start()], pattern[match.end():]
    return [p for alt in match.group(1).split(",") for p in expand_braces(head + alt + tail)]


def read_editorconfig(path):
    """[(patterns, {key: value})] in file order."""
    sections = []
    current = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = (expand_braces(line[1:-1]), {})
                sections.append(current)
            elif "=" in line and current is not None:
                key, value = (part.strip() for part in line.split("=", 1))
                current[1][key.lower()] = value.lower()
    return sections


def matches(pattern, path):
    # A pattern without a slash matches the file name in any folder.
    if "/" not in pattern:
        return fnmatch.fnmatchcase(os.path.basename(path), pattern)
    return fnmatch.fnmatchcase(path, pattern.lstrip("/"))


def properties_for(sections, path):
    props = {}
    for patterns, values in sections:
        if any(matches(p, path) for p in patterns):
            props.update(values)
    return props


def check_file(path, props, problems):
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return  # binary: images and the like
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if props.get("charset") == "utf-8":
            problems.append("%s: not UTF-8 (%s)" % (path, e.reason))
        return
    if props.get("end_of_line") == "lf" and "\r" in text:
        problems.append("%s: has CR line ends" % path)
    if props.get("insert_final_newline") == "true" and text and not text.endswith("\n"):
        problems.append("%s: no newline at the end" % path)

    limit = props.get("max_line_length")
    limit = int(limit) if limit and limit.isdigit() else None
    trim = props.get("trim_trailing_whitespace") == "true"
    spaces = props.get("indent_style") == "space"
    for number, line in enumerate(text.split("\n"), 1):
        if trim and line != line.rstrip(" \t"):
            problems.append("%s:%d: trailing whitespace" % (path, number))
        if spaces and "\t" in line[:len(line) - len(line.lstrip(" \t"))]:
            problems.append("%s:%d: a tab in the indentation" % (path, number))
        if limit is not None and len(line) > limit:
            problems.append("%s:%d: %d characters, more than %d"
                            % (path, number, len(line), limit))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    os.chdir(root)
    if not os.path.exists(".git"):
        # A release tarball: nothing tracked to check against.
        print("1..0 # SKIP not a git checkout")
        return 77
    sections = read_editorconfig(".editorconfig")
    files = subprocess.run(["git", "ls-files", "-z"], check=True,
                           stdout=subprocess.PIPE).stdout.decode().split("\0")
    problems = []
    checked = 0
    for path in files:
        if not path or not os.path.isfile(path) or os.path.islink(path):
            continue
        props = properties_for(sections, path)
        if props:
            check_file(path, props, problems)
            checked += 1
    for problem in problems:
        print(problem)
    print("%d files checked against .editorconfig, %d problem%s"
          % (checked, len(problems), "" if len(problems) == 1 else "s"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
