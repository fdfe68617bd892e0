#!/usr/bin/env python3
"""Asks the window titled "Confidant" on DISPLAY to close, as a window manager's
close button does: a WM_DELETE_WINDOW client message (Xvfb has no window manager).
Exits 1 when no such window is found."""
import os
import sys
import time

from Xlib import X, display, protocol


def windows(window):
    for child in window.query_tree().children:
        yield child
        yield from windows(child)


def close_all(screen):
    """Sends the close request to every window titled Confidant; returns how many."""
    protocols = screen.intern_atom("WM_PROTOCOLS")
    delete = screen.intern_atom("WM_DELETE_WINDOW")
    sent = 0
    for window in windows(screen.screen().root):
        try:
            if window.get_wm_name() != "Confidant" or delete not in (window.get_wm_protocols() or []):
                continue
        except Exception:  # The window went away while we looked.
            continue
        message = protocol.event.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        window.send_event(message)
        sent += 1
    screen.flush()
    return sent


def main():
    screen = display.Display(os.environ["DISPLAY"])
    # A page that is reloading (a lock) may have the window's title in flux.
    for _attempt in range(50):
        if close_all(screen) > 0:
            return
        time.sleep(0.1)
    names = []
    for window in windows(screen.screen().root):
        try:
            names.append(window.get_wm_name())
        except Exception:
            pass
    print(f"no window titled Confidant with WM_DELETE_WINDOW; titles: {[n for n in names if n]}", file=sys.stderr)
    sys.exit(1)


main()
