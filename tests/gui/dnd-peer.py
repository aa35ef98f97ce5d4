#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# dnd-peer.py source FILE X Y | target X Y
#
# Another X client for drag-and-drop tests, standing in for a file manager
# or the desktop: a small GTK 3 window at (X, Y) that either offers FILE as
# text/uri-list when dragged (source), or takes drops and prints
# "dropped URI" for each file dropped on it (target). It prints "ready"
# once it is on screen, so the test knows when to start dragging.
import sys

import gi
gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

mode = sys.argv[1]
targets = [Gtk.TargetEntry.new("text/uri-list", Gtk.TargetFlags.OTHER_APP, 0)]

window = Gtk.Window(title="dnd-peer-" + mode)
window.set_default_size(200, 150)
box = Gtk.EventBox()
label = Gtk.Label(label="Drag me" if mode == "source" else "Drop here")
box.add(label)
window.add(box)

if mode == "source":
    uri = GLib.filename_to_uri(sys.argv[2], None)
    x, y = int(sys.argv[3]), int(sys.argv[4])
    box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, targets, Gdk.DragAction.COPY)

    def on_get(widget, context, data, info, time):
        data.set_uris([uri])
    box.connect("drag-data-get", on_get)
else:
    x, y = int(sys.argv[2]), int(sys.argv[3])
    box.drag_dest_set(Gtk.DestDefaults.ALL, targets, Gdk.DragAction.COPY)

    def on_received(widget, context, px, py, data, info, time):
        for u in data.get_uris():
            print("dropped " + u, flush=True)
    box.connect("drag-data-received", on_received)

window.move(x, y)
window.connect("map-event", lambda *a: print("ready", flush=True))
window.connect("destroy", Gtk.main_quit)
window.show_all()
Gtk.main()
