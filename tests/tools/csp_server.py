"""A static file server for the browser tests that sends the Content-
Security-Policy of the site's own /_headers on every file (but the test's
probe pages, named __*), with a report-uri that appends each violation
report, one JSON object a line, to the file named on the command line.

Usage: csp_server.py PORT DIRECTORY REPORT_FILE
"""
import functools
import http.server
import sys

port, directory, report_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def site_policy():
    """The policy the `/*` rule of _headers sets."""
    rule = None
    with open(f"{directory}/_headers", encoding="utf-8") as headers:
        for line in headers:
            if not line.startswith(" "):
                rule = line.strip()
            elif rule == "/*" and line.strip().startswith("Content-Security-Policy:"):
                return line.split(":", 1)[1].strip()
    raise SystemExit("no Content-Security-Policy for /* in _headers")


POLICY = site_policy() + "; report-uri /__csp-report"


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        if not self.path.split("/")[-1].startswith("__"):
            self.send_header("Content-Security-Policy", POLICY)
        super().end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/__csp-report":
            with open(report_file, "a", encoding="utf-8") as out:
                out.write(body.decode("utf-8", "replace").replace("\n", " ") + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


handler = functools.partial(Handler, directory=directory)
http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()
