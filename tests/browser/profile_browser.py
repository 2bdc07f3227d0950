#!/usr/bin/python3
"""A tiny WebKitGTK browser that keeps its data on disk, for the WebKit tests (run by Debian's /usr/bin/python3
with python3-gi and gir1.2-webkit2-4.1, started by WebKitWebDriver).

    profile_browser.py PROFILE_DIR [--position LAT,LON,ACCURACY]

MiniBrowser under automation keeps every site's data in memory, as private browsing does. This one keeps
IndexedDB, the service worker, its caches and the cookies under PROFILE_DIR, so a test can close it and start it
again on the same profile, as a phone's browser is closed and opened again. With --position it grants the
location prompt and reports that position; without, it refuses the prompt. Console messages go to stdout (the
driver's log), so a test can read what the page reported.
"""

import argparse
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

NAME = "InspectProfileBrowser"  # the browserName a test asks WebKitWebDriver for
PHONE = (390, 844)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--position")
    args = parser.parse_args()
    position = [float(x) for x in args.position.split(",")] if args.position else None

    manager = WebKit2.WebsiteDataManager(
        base_data_directory=f"{args.profile}/data", base_cache_directory=f"{args.profile}/cache"
    )
    context = WebKit2.WebContext.new_with_website_data_manager(manager)
    # Without this, cookies live in memory only and a restart would sign the inspector out.
    context.get_cookie_manager().set_persistent_storage(
        f"{args.profile}/cookies.sqlite", WebKit2.CookiePersistentStorage.SQLITE
    )
    context.set_automation_allowed(True)
    windows = []

    def report_position(geolocation):
        if position is None:
            return False  # no provider of ours: WebKit's own (none here) answers
        geolocation.update_position(WebKit2.GeolocationPosition.new(*position))
        return True

    context.get_geolocation_manager().connect("start", report_position)

    def permission(_view, request):
        if isinstance(request, WebKit2.GeolocationPermissionRequest):
            request.allow() if position is not None else request.deny()
            return True
        return False

    def create_web_view(_session):
        settings = WebKit2.Settings(enable_write_console_messages_to_stdout=True)
        view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
        view.connect("permission-request", permission)
        window = Gtk.Window()
        window.set_default_size(*PHONE)
        window.add(view)
        window.connect("destroy", lambda _w: windows.remove(window) or (windows or Gtk.main_quit()))
        view.connect("close", lambda _v: window.destroy())
        window.show_all()
        windows.append(window)
        return view

    def automation_started(_context, session):
        info = WebKit2.ApplicationInfo()
        info.set_name(NAME)
        info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
        session.set_application_info(info)
        session.connect("create-web-view", create_web_view)

    context.connect("automation-started", automation_started)
    Gtk.main()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
