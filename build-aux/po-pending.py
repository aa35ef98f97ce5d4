#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lists the messages the translations lack, and folds translations back in.

  build-aux/po-pending.py list > pending.json
      After "ninja -C build hallway-update-po": every message that is
      untranslated or fuzzy in any language of po/LINGUAS, with its
      translator comments, flags, and each language's fuzzy guess
      ("hint-de") to start from.  Fill in "de", "fr", ... (a list of
      strings for a plural message); leave out what is not done.

  build-aux/po-pending.py apply pending.json
      Writes those translations into po/LL.po (no longer fuzzy), dates
      PO-Revision-Date, drops the obsolete (#~) messages, then checks as
      "check" does.

  build-aux/po-pending.py check [pending.json]
      msgfmt --check --statistics for each language, failing on anything
      untranslated or fuzzy; then "kept" for the messages of pending.json
      (or of the whole files).

  build-aux/po-pending.py kept
      That every translated message keeps what must not be translated:
      printf directives, command and option names, metavars such as FILE,
      file names, acronyms, and a leading or trailing newline.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
PO = TOP / "po"

# What a translation keeps as it is.
KEPT = re.compile(r"%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp%]"
                  r"|--[a-z][a-z-]*"
                  r"|\b(?:hallway|avahi|systemctl|firewall-cmd|ufw|nftables|dnsmasq|sudo)"
                  r"[a-z.-]*"
                  r"|/[a-z][\w./-]*"
                  r"|\b[A-Z][A-Z0-9_-]*[A-Z0-9]\b|\bN\b")

# Column headings ("NAME") and GOption's parameter strings ("COMMAND
# [ARGUMENTS…]") start with a metavar and are translated as a whole.
TRANSLATED_WHOLE = re.compile(r"^[A-Z][A-Z]+\b")


def languages():
    return [line.strip() for line in (PO / "LINGUAS").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def unquote(literal):
    """The value of a PO string literal."""
    out = []
    i = 1
    while i < len(literal) - 1:
        c = literal[i]
        if c == "\\":
            i += 1
            c = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[literal[i]]
        out.append(c)
        i += 1
    return "".join(out)


def quote(value):
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + value.replace("\n", "\\n").replace("\t", "\\t") + '"'


class Entry:
    def __init__(self):
        self.comments = []   # the "#" lines, as they are
        self.fields = {}     # "msgid", "msgid_plural", "msgstr", "msgstr[0]", ...
        self.obsolete = False

    @property
    def key(self):
        return (self.fields.get("msgctxt"), self.fields.get("msgid"))

    @property
    def flags(self):
        return [flag.strip() for line in self.comments if line.startswith("#,")
                for flag in line[2:].split(",")]

    @property
    def translations(self):
        return [v for k, v in self.fields.items() if k.startswith("msgstr")]

    def is_header(self):
        return self.key == (None, "")

    def pending(self):
        return "fuzzy" in self.flags or "" in self.translations

    def set_translation(self, value):
        if "msgid_plural" in self.fields:
            for n, text in enumerate(value):
                self.fields["msgstr[%d]" % n] = text
        else:
            self.fields["msgstr"] = value
        kept = []
        for line in self.comments:
            if line.startswith("#|"):
                continue   # the msgid a fuzzy guess was made from
            if line.startswith("#,"):
                flags = [f for f in self.flags if f != "fuzzy"]
                if not flags:
                    continue
                line = "#, " + ", ".join(flags)
            kept.append(line)
        self.comments = kept

    def lines(self):
        return self.comments + ["%s %s" % (k, quote(v)) for k, v in self.fields.items()]

    def item(self):
        """The message as "list" gives it."""
        item = {"id": self.fields["msgid"]}
        if "msgctxt" in self.fields:
            item["context"] = self.fields["msgctxt"]
        if "msgid_plural" in self.fields:
            item["plural"] = self.fields["msgid_plural"]
        notes = [c[3:] for c in self.comments if c.startswith("#.")]
        if notes:
            item["notes"] = " ".join(notes)
        item["where"] = " ".join(c[3:] for c in self.comments if c.startswith("#:"))
        flags = [f for f in self.flags if f != "fuzzy"]
        if flags:
            item["flags"] = ", ".join(flags)
        return item


def parse(path):
    entries = []
    entry = Entry()
    field = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].lstrip()
            if not line:
                continue
        if not line.strip():
            if entry.fields or entry.comments:
                entries.append(entry)
            entry, field = Entry(), None
        elif line.startswith("#") and not entry.obsolete:
            if entry.fields:   # comments start the next message
                entries.append(entry)
                entry, field = Entry(), None
            entry.comments.append(line)
        elif line.startswith('"'):
            entry.fields[field] += unquote(line)
        else:
            field, _, literal = line.partition(" ")
            entry.fields[field] = unquote(literal)
    if entry.fields or entry.comments:
        entries.append(entry)
    return entries


def write(path, entries):
    blocks = ["\n".join(entry.lines()) for entry in entries if not entry.obsolete]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    # msgcat wraps lines as msgmerge does, so the next update changes little.
    subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def command_list():
    pending = {}
    for lang in languages():
        for entry in parse(PO / ("%s.po" % lang)):
            if entry.obsolete or entry.is_header() or not entry.pending():
                continue
            item = pending.setdefault(entry.key, entry.item())
            if "fuzzy" in entry.flags:
                hint = entry.translations
                item["hint-" + lang] = hint if len(hint) > 1 else hint[0]
    json.dump(list(pending.values()), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def command_apply(path):
    items = load(path)
    for lang in languages():
        done = {(i.get("context"), i["id"]): i[lang] for i in items if i.get(lang)}
        po = PO / ("%s.po" % lang)
        entries = parse(po)
        applied = 0
        for entry in entries:
            if entry.obsolete or entry.key not in done:
                continue
            value = done[entry.key]
            forms = len(entry.translations)
            plural = "msgid_plural" in entry.fields
            if plural != isinstance(value, list) or (plural and len(value) != forms):
                sys.exit("%s: %s needs %d forms" % (lang, json.dumps(entry.key[1]), forms))
            entry.set_translation(value)
            applied += 1
        if applied and entries[0].is_header():
            now = time.strftime("%Y-%m-%d %H:%M+0000", time.gmtime())
            header = entries[0].fields
            header["msgstr"] = re.sub(r"PO-Revision-Date: [^\n]*", "PO-Revision-Date: " + now,
                                      header["msgstr"])
        write(po, entries)
        print("%s: %d translations applied" % (lang, applied))
    return command_check(path)


def problems(item, lang):
    """What the translation of @item into @lang lost."""
    originals = [item["id"]] + ([item["plural"]] if "plural" in item else [])
    if TRANSLATED_WHOLE.match(item["id"]):
        originals = []
    value = item[lang]
    found = set()
    for text in value if isinstance(value, list) else [value]:
        for token in set(t for o in originals for t in KEPT.findall(o)):
            if token not in text:
                found.add("lost %r" % token)
        if item["id"].startswith("\n") != text.startswith("\n"):
            found.add("leading newline")
        if item["id"].endswith("\n") != text.endswith("\n"):
            found.add("trailing newline")
        if item["id"][:1].isspace() != text[:1].isspace():
            found.add("leading space")
    return sorted(found)


def translated_items():
    items = []
    for lang in languages():
        for entry in parse(PO / ("%s.po" % lang)):
            if entry.obsolete or entry.is_header() or entry.pending():
                continue
            item = entry.item()
            value = entry.translations
            item[lang] = value if "plural" in item else value[0]
            items.append(item)
    return items


def command_kept(items):
    status = 0
    for item in items:
        for lang in languages():
            if not item.get(lang):
                continue
            for problem in problems(item, lang):
                print("po/%s.po: %s in the translation of %s"
                      % (lang, problem, json.dumps(item["id"], ensure_ascii=False)))
                status = 1
    return status


def command_check(path=None):
    status = 0
    for lang in languages():
        po = PO / ("%s.po" % lang)
        run = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
                             capture_output=True, text=True)
        print("%s: %s" % (lang, run.stderr.strip()))
        if run.returncode != 0 or "untranslated" in run.stderr or "fuzzy" in run.stderr:
            status = 1
    return command_kept(load(path) if path else translated_items()) or status


def main(argv):
    if argv[1:] == ["list"]:
        return command_list()
    if len(argv) == 3 and argv[1] == "apply":
        return command_apply(argv[2])
    if len(argv) in (2, 3) and argv[1] == "check":
        return command_check(argv[2] if len(argv) == 3 else None)
    if argv[1:] == ["kept"]:
        return command_kept(translated_items())
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
