"""A documentation site that misbehaves on purpose, served on loopback for crawler tests.

    with serve_faults() as site:            # or: with serve_faults() as (base_url, log):
        crawl(site.base_url)
    site.log.count("/docs/1.0/flaky-503.html")   # -> 3

The site documents "Tidewell", a fictional tide-prediction tool (all text written for these
tests). ``/docs/index.html`` lists the releases 1.0 and 2.0; ``/docs/<v>/`` links every page of
its release. Release 2.0 is clean. Release 1.0 holds clean pages next to one page per fault
(see ``FAULTS``), so a crawler really requests each fault while following links. The pages
also link to other hosts and schemes that must never be requested: two trap servers (another
loopback address, and this address on another port) record whatever reaches them.

Bounded: loopback only (127.0.0.1 / 127.0.0.2, port 0), daemon threads, and the servers stop
by themselves after ``deadline`` seconds or ``max_requests`` requests (``site.exhausted``).
Run ``python -m tests.faults.server`` to poke at it by hand.
"""
from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, NamedTuple
from urllib.parse import urlsplit

HOST = "127.0.0.1"
OFFSITE_HOST = "127.0.0.2"      # another loopback host: a different site to a crawler

# -- the pages ----------------------------------------------------------------------------------
ENTRY = "/docs/index.html"
ROBOTS = "/robots.txt"
V1 = "/docs/1.0/"
V1_INDEX = "/docs/1.0/index.html"
V2 = "/docs/2.0/"
V2_INDEX = "/docs/2.0/index.html"
GUIDE = "/docs/1.0/guide.html"
STATIONS = "/docs/1.0/stations.html"
V2_GUIDE = "/docs/2.0/guide.html"
V2_CLI = "/docs/2.0/reference/cli.html"

FLAKY_503 = "/docs/1.0/flaky-503.html"
ALWAYS_500 = "/docs/1.0/always-500.html"
RATE_LIMITED = "/docs/1.0/rate-limited.html"
RATE_LIMITED_LONG = "/docs/1.0/rate-limited-long.html"
SLOW_ALWAYS = "/docs/1.0/slow-always.html"
SLOW_ONCE = "/docs/1.0/slow-once.html"
RESET = "/docs/1.0/reset.html"
TRUNCATED = "/docs/1.0/truncated.html"
LOOP_A = "/docs/1.0/loop-a.html"
LOOP_B = "/docs/1.0/loop-b.html"
MISSING = "/docs/1.0/missing.html"
HUGE = "/docs/1.0/huge.html"
NOT_HTML = "/docs/1.0/manual.html"
LATIN1_AS_UTF8 = "/docs/1.0/latin1-as-utf8.html"
UTF8_AS_LATIN1 = "/docs/1.0/utf8-as-latin1.html"
MALFORMED = "/docs/1.0/malformed.html"
PRIVATE = "/docs/1.0/private/notes.html"
OTHER_PORT_PATH = "/docs/1.0/other-port.html"   # linked on the other port only: never here

FAULTS = {
    FLAKY_503: "503 on the first two requests, then 200",
    ALWAYS_500: "500 on every request",
    RATE_LIMITED: "429 with Retry-After: 1 on the first request, then 200",
    RATE_LIMITED_LONG: "429 with Retry-After: 3 on the first request, then 200",
    SLOW_ALWAYS: "no answer for longer than the download timeout, every time",
    SLOW_ONCE: "no answer for longer than the download timeout once, then 200",
    RESET: "connection reset (RST, no response) on every request",
    TRUNCATED: "Content-Length larger than the body sent, then the connection closes",
    LOOP_A: f"302 to {LOOP_B}, which redirects back here",
    MISSING: "404: a dead link",
    HUGE: "about 1 MB of HTML (over a 300 kB DOWNLOAD_MAXSIZE)",
    NOT_HTML: "a PDF (application/pdf) at a .html path",
    LATIN1_AS_UTF8: "cp1252 bytes served as text/html; charset=utf-8",
    UTF8_AS_LATIN1: "UTF-8 bytes served as text/html; charset=iso-8859-1",
    MALFORMED: "unclosed tags, a stray </div>, missing </p>, an unclosed <table>",
    PRIVATE: "disallowed by robots.txt: must never be requested",
}
CLEAN_PAGES = (V1, GUIDE, STATIONS, V2, V2_GUIDE, V2_CLI)

# One sentence per page, verbatim in its text (no inline markup inside): tests look for it.
KEY_SENTENCES = {
    V1: "Tidewell is a small library and command-line tool that predicts the height of the tide "
        "at a harbour from a handful of published harmonic constants.",
    GUIDE: "The quickest way to see Tidewell work is to predict tomorrow's tides for one station "
           "and compare them with the printed tide table.",
    STATIONS: "A station file holds the harmonic constants of one tide gauge together with the "
              "datum offsets that relate its zero to chart datum.",
    V2: "Release 2.0 adds a streaming prediction API and replaces the old station file layout "
        "with a single TOML document.",
    V2_GUIDE: "In 2.0 a prediction is an iterator: you ask for turning points and stop reading "
              "whenever you have enough.",
    V2_CLI: "The tidewell command has three subcommands: predict, fetch and check.",
    FLAKY_503: "Every tide is modelled as a sum of cosine waves called constituents, each with a "
               "fixed speed, an amplitude and a phase.",
    ALWAYS_500: "Predictions can be exported as CSV, as JSON lines or as an iCalendar feed of "
                "high and low waters.",
    RATE_LIMITED: "Chart datum is the zero from which charted depths are measured, and most "
                  "published tide heights use it as their reference.",
    RATE_LIMITED_LONG: "A printed tide table lists the times and heights of high and low water "
                       "for each day of a year at one station.",
    SLOW_ALWAYS: "A batch run predicts many stations at once and writes one file per station "
                 "into the output folder.",
    SLOW_ONCE: "Tidewell caches each prediction window on disk, keyed by the checksum of the "
               "station file and the requested interval.",
    RESET: "Station files can be fetched from a harbour office server, but Tidewell never "
           "contacts the network during a prediction.",
    TRUNCATED: "Every predicted height comes with an uncertainty band derived from the residuals "
               "of the calibration year of the station.",
    HUGE: "This page lists every constituent known to Tidewell with its speed in degrees per hour.",
    LATIN1_AS_UTF8: "Station names are printed exactly as the harbour office spells them, accents "
                    "included: the naïve café reading of the tide board on the quay at Saint-Rémy "
                    "must match what Tidewell prints.",
    MALFORMED: "Field notes are the observations a harbour master writes next to a prediction "
               "when the sea did something the model did not expect.",
    PRIVATE: "These internal notes on unreleased gauges are not for publication.",
}
KEY_SENTENCES[UTF8_AS_LATIN1] = KEY_SENTENCES[LATIN1_AS_UTF8]
# Words every charset-confused page must keep intact (all of them exist in Latin-1 and cp1252).
ACCENTED_WORDS = ("naïve café", "Saint-Rémy", "Hafenstraße", "Straße des Hafens", "Müller",
                  "Zürich", "résumé", "façade", "Ålesund")
# Sentences of the malformed page that a forgiving parser must keep (outside inline markup).
MALFORMED_SENTENCES = (
    KEY_SENTENCES[MALFORMED],
    "Keep them short: the time, the observed height, and one line on the weather.",
    "A surge raises the whole tide curve for a day or two, so every high water arrives higher "
    "than predicted but roughly on time.",
    "Record the surge height separately from the tide height so that later calibrations can "
    "remove it.",
    "Observed heights come from the gauge, not from the tide board.",
    "At the end of each month the notes are copied into a table with one row per day.",
    "A south-westerly gale held the water in the bay through two tides.",
    "Low pressure over the estuary lifted the evening high water.",
)
FOOTER_TEXT = "Tidewell is a fictional product; this footer is page furniture, not documentation."
TRAP_TEXT = "You reached a trap server: a crawler of the Tidewell manual must never come here."


def _page(title: str, content: str, nav: str = "") -> str:
    """A whole page: a sidebar outside the content root, the content, a footer."""
    nav = nav or (f'<a href="{V1}">Tidewell 1.0</a> <a href="{V2}">Tidewell 2.0</a> '
                  f'<a href="guide.html">Getting started</a>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta name="viewport" content="width=device-width"><title>{title} - Tidewell</title>
<style>body {{ font-family: sans-serif; }}</style></head>
<body>
<nav class="sidebar">{nav}</nav>
<main id="content">
{content}
</main>
<footer class="page-footer"><p>{FOOTER_TEXT}</p></footer>
</body>
</html>
"""


def _edit_link(path: str) -> str:
    return (f'<div class="edit-link"><a href="https://example.invalid/edit{path}">'
            f'Edit this page</a></div>')


def _entry() -> str:
    return _page("Tidewell documentation", f"""
<h1 id="tidewell">Tidewell documentation</h1>
<p>Tidewell predicts the tides of a harbour from its published harmonic constants. The manual is
kept for every release; choose the release you run.</p>
<ul class="versions">
<li><a href="{V2}">Tidewell 2.0 (latest)</a></li>
<li><a href="{V1}">Tidewell 1.0</a></li>
</ul>""", nav=f'<a href="{ENTRY}">Home</a>')


def _offsite_links(offsite: dict[str, str]) -> str:
    return "\n".join(f'<li><a href="{href}">{label}</a></li>' for label, href in offsite.items())


def _v1_index(offsite: dict[str, str]) -> str:
    topics = [
        ("guide.html", "Getting started"), ("stations.html", "Working with stations"),
        ("flaky-503.html", "Harmonic constituents"), ("always-500.html", "Export formats"),
        ("rate-limited.html", "Datum conversion"), ("rate-limited-long.html", "Tide tables"),
        ("slow-always.html", "Batch predictions"),
        ("slow-once.html", "Caching predictions"), ("reset.html", "Network sources"),
        ("truncated.html", "Uncertainty estimates"), ("loop-a.html", "Release history"),
        ("missing.html", "Migration notes"), ("huge.html", "Full constituent table"),
        ("manual.html", "Printable manual"), ("latin1-as-utf8.html", "Regional station names"),
        ("utf8-as-latin1.html", "Regional station names (second edition)"),
        ("malformed.html", "Field notes"), ("private/notes.html", "Internal notes"),
        ("index.html#conventions", "Conventions"),
    ]
    items = "\n".join(f'<li><a href="{href}">{label}</a></li>' for href, label in topics)
    return _page("Tidewell 1.0 overview", f"""
<h1 id="overview">Tidewell 1.0 overview</h1>
<p>{KEY_SENTENCES[V1]} It runs offline, needs no account and keeps every prediction reproducible
from the station file it was computed with.</p>
<p>This manual covers release 1.0. Each topic below is a separate page; the guide is the place to
start if you have never run a prediction before.</p>
{_edit_link(V1)}
<h2 id="topics">Topics</h2>
<p>The topics are ordered from the first prediction to the finer points of calibration.</p>
<ul class="topics">
{items}
</ul>
<h2 id="conventions">Conventions used in this manual</h2>
<p>Heights are in metres above chart datum unless a page says otherwise, and times are in UTC.
Station identifiers are the five-character codes printed on the tide board of the harbour
office.</p>
<h3 id="elsewhere">Elsewhere</h3>
<p>The links in this list point outside this manual. They are references for a reader, not pages
of the manual.</p>
<ul class="elsewhere">
{_offsite_links(offsite)}
</ul>""")


def _guide() -> str:
    return _page("Getting started", f"""
<h1 id="getting-started">Getting started</h1>
<p>{KEY_SENTENCES[GUIDE]}</p>
<p>Install the package, save a station file, and ask for a prediction window. The whole exercise
takes a few minutes and needs no network access once the station file is on disk.</p>
{_edit_link(GUIDE)}
<h2 id="install">Installing</h2>
<p>Tidewell 1.0 supports Python 3.9 and newer. It has no compiled dependencies, so a plain install
works on any platform where Python runs.</p>
<pre><code class="language-shell">pip install "tidewell==1.0.*"
tidewell --version</code></pre>
<h2 id="first-prediction">Your first prediction</h2>
<p>A prediction needs a station, a start time and a length. The command below prints the high and
low waters of the next two days at the Port Ellery gauge.</p>
<pre><code class="language-shell">tidewell predict --station PELLY --from 2024-05-01T00:00Z --hours 48</code></pre>
<h3 id="reading-output">Reading the output</h3>
<p>Each line shows the time of a turning point, whether it is a high or a low water, and the
predicted height. Heights are rounded to the centimetre because the harmonic constants are rarely
better than that.</p>
<p>If the printed tide table and Tidewell disagree by more than ten centimetres, check that both
use the same datum before suspecting the station file.</p>""")


def _stations(offsite: dict[str, str]) -> str:
    return _page("Working with stations", f"""
<h1 id="stations">Working with stations</h1>
<p>{KEY_SENTENCES[STATIONS]} Tidewell reads one station file per gauge and never guesses a
constant that the file does not give.</p>
<p>Harbour offices publish their constants once a year, after the calibration of the gauge. Keep
the file of each year: old predictions can only be reproduced with the constants they used.</p>
<h2 id="station-files">Station files</h2>
<p>A station file is a small TOML document. The station table names the gauge; each constituent
table gives one wave of the tide.</p>
<pre><code class="language-toml">[station]
id = "PELLY"
name = "Port Ellery"
datum_offset = -2.31

[[constituent]]
name = "M2"
amplitude = 1.214
phase = 312.4</code></pre>
<h3 id="checking">Checking a station file</h3>
<p>Run the check command after every download. It reports constituents with impossible speeds and
datum offsets that disagree with the harbour chart.</p>
<h2 id="sources">Where station files come from</h2>
<p>Most harbour offices publish station files next to their printed tide tables. The list below
names a few archives; Tidewell itself never downloads anything.</p>
<ul class="sources">
{_offsite_links(offsite)}
</ul>""")


def _v2_index() -> str:
    return _page("Tidewell 2.0 overview", f"""
<h1 id="overview">Tidewell 2.0 overview</h1>
<p>{KEY_SENTENCES[V2]} Predictions from 1.0 station files still work after a one-time
conversion.</p>
<p>The 2.0 manual is shorter than the 1.0 manual because most topics did not change; read the
1.0 pages for constituents, datums and field notes.</p>
<h2 id="whats-new">What is new</h2>
<p>The streaming API returns turning points as they are computed, so a long prediction window no
longer has to fit in memory. The command line gained a fetch subcommand for station files.</p>
<ul><li><a href="guide.html">Getting started with 2.0</a></li>
<li><a href="reference/cli.html">Command-line reference</a></li>
<li><a href="{V1}">The 1.0 manual</a></li></ul>""")


def _v2_guide() -> str:
    return _page("Getting started with 2.0", f"""
<h1 id="getting-started">Getting started with 2.0</h1>
<p>{KEY_SENTENCES[V2_GUIDE]} Nothing is computed until the first turning point is read.</p>
<p>Convert a 1.0 station file once with the check command; the converted file is what 2.0 reads
from then on.</p>
<h2 id="streaming">Streaming predictions</h2>
<p>The loop below prints the next ten turning points at Port Ellery and then stops; the rest of
the window is never computed.</p>
<pre><code class="language-python">from itertools import islice
import tidewell

station = tidewell.load("PELLY.toml")
for point in islice(station.turning_points(start="2024-05-01T00:00Z"), 10):
    print(point.time, point.kind, round(point.height, 2))</code></pre>
<h3 id="stopping">Stopping early</h3>
<p>Because the iterator is lazy, stopping early costs nothing. A prediction for a whole year takes
as long as the part of it you read.</p>""")


def _v2_cli() -> str:
    return _page("Command-line reference", f"""
<h1 id="cli">Command-line reference</h1>
<p>{KEY_SENTENCES[V2_CLI]} Each prints its own help with the --help option.</p>
<h2 id="predict">tidewell predict</h2>
<p>Prints the turning points of one station for a window given by a start time and a number of
hours. The output is one line per high or low water.</p>
<pre><code class="language-shell">tidewell predict --station PELLY.toml --from 2024-05-01T00:00Z --hours 24</code></pre>
<h2 id="fetch">tidewell fetch</h2>
<p>Downloads the station file of a gauge from the archive configured in the settings file and
saves it next to the older files of the same gauge.</p>
<h2 id="check">tidewell check</h2>
<p>Validates a station file and converts a 1.0 file to the 2.0 layout. It exits with status one
when a constituent has an impossible speed.</p>""", nav=f'<a href="../">Tidewell 2.0</a>')


def _topic(title: str, anchor: str, key: str, more: str, path: str) -> str:
    """A fault page's content when it is finally served: ordinary documentation."""
    return _page(title, f"""
<h1 id="{anchor}">{title}</h1>
<p>{key}</p>
{more}
{_edit_link(path)}""")


def _flaky() -> str:
    return _topic("Harmonic constituents", "constituents", KEY_SENTENCES[FLAKY_503], """
<p>The principal lunar constituent, M2, has a period of twelve hours and twenty-five minutes and
dominates the tide at most harbours. The principal solar constituent, S2, has a period of exactly
twelve hours.</p>
<h2 id="spring-neap">Spring and neap tides</h2>
<p>When M2 and S2 are in phase their heights add up and the range is large: a spring tide. A week
later they are in opposition and the range is small: a neap tide.</p>
<h3 id="shallow-water">Shallow-water constituents</h3>
<p>In estuaries the tide wave is distorted by the shallow bottom. Tidewell models the distortion
with overtides such as M4, whose speed is twice that of M2.</p>
<pre><code class="language-python">height = sum(c.amplitude * cos(c.speed * hours + c.phase) for c in constituents)</code></pre>""",
                  FLAKY_503)


def _always_500() -> str:
    return _topic("Export formats", "export", KEY_SENTENCES[ALWAYS_500],
                  "<p>This page is never served: the server answers 500 every time.</p>", ALWAYS_500)


def _rate_limited() -> str:
    return _topic("Datum conversion", "datums", KEY_SENTENCES[RATE_LIMITED], """
<p>Land surveys use a different zero, usually mean sea level. Converting between the two needs the
datum offset of the station, which every station file carries.</p>
<h2 id="offsets">Datum offsets</h2>
<p>A positive offset means chart datum lies above the survey zero. Tidewell adds the offset after
summing the constituents, never before.</p>
<h3 id="checking-offsets">Checking an offset</h3>
<p>Compare a predicted low water at a spring tide with the lowest reading of the gauge in the same
week. A difference of more than a few centimetres points at a wrong offset.</p>
<pre><code class="language-shell">tidewell predict --station PELLY --datum survey --hours 12</code></pre>""", RATE_LIMITED)


def _rate_limited_long() -> str:
    return _topic("Tide tables", "tide-tables", KEY_SENTENCES[RATE_LIMITED_LONG], """
<p>Tidewell can print a table in the same layout, so a prediction can be checked line by line
against the table of the harbour office.</p>
<h2 id="table-layout">Table layout</h2>
<p>Each day takes one row with up to four turning points. A day with only three turning points
leaves the last column empty rather than borrowing one from the next day.</p>
<pre><code class="language-shell">tidewell table --station PELLY --year 2024 --format text</code></pre>""",
                  RATE_LIMITED_LONG)


def _slow_always() -> str:
    return _topic("Batch predictions", "batch", KEY_SENTENCES[SLOW_ALWAYS],
                  "<p>This page is never served in time: the server answers too late.</p>",
                  SLOW_ALWAYS)


def _slow_once() -> str:
    return _topic("Caching predictions", "caching", KEY_SENTENCES[SLOW_ONCE], """
<p>A second request for the same window is answered from the cache in a few milliseconds. The cache
never goes stale, because a changed station file has a different checksum.</p>
<h2 id="cache-size">Cache size</h2>
<p>Each cached window costs a few kilobytes. The cache keeps the most recently used windows and
drops the oldest once it reaches the size set in the settings file.</p>
<h3 id="clearing">Clearing the cache</h3>
<p>Deleting the cache folder is always safe; the next prediction simply computes the window
again.</p>
<pre><code class="language-shell">tidewell cache clear</code></pre>""", SLOW_ONCE)


def _reset() -> str:
    return _topic("Network sources", "network", KEY_SENTENCES[RESET],
                  "<p>This page is never served: the connection is reset every time.</p>", RESET)


def _truncated() -> str:
    filler = "\n".join(
        f"<p>Residual note {n}: the calibration year of a station leaves small differences between "
        f"observed and predicted heights, and their spread sets the width of the band.</p>"
        for n in range(1, 41))
    return _topic("Uncertainty estimates", "uncertainty", KEY_SENTENCES[TRUNCATED], f"""
<h2 id="bands">Uncertainty bands</h2>
{filler}
<h2 id="band-end">The last section</h2>
<p>Only a complete download of this page contains this closing sentence about bands.</p>""",
                  TRUNCATED)


def _huge() -> str:
    rows = []
    size = 0
    n = 0
    while size < 1_050_000:
        n += 1
        row = (f"<p>Constituent row {n}: an overtide of the lunar and solar waves, listed with its "
               f"speed in degrees per hour, its Doodson number and the harbours where it matters; "
               f"row {n} repeats the layout of every other row of this table.</p>\n")
        rows.append(row)
        size += len(row)
    return _topic("Full constituent table", "constituent-table", KEY_SENTENCES[HUGE],
                  '<h2 id="rows">Rows</h2>\n' + "".join(rows), HUGE)


def _not_html() -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"3 0 obj\n<< /Length 44 >>\nstream\nBT /F1 12 Tf (Tidewell printable manual) Tj ET\n"
            b"endstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _regional(edition: str) -> str:
    title = "Regional station names" + (f" ({edition})" if edition else "")
    return _page(title, f"""
<h1 id="regional-names">{title}</h1>
<p>{KEY_SENTENCES[LATIN1_AS_UTF8]}</p>
<p>The gauge on the Hafenstraße in Bremerhaven is listed as Straße des Hafens, the Müller jetty
keeps its umlaut, and the lake station at Zürich appears with its ü intact.</p>
<h2 id="summaries">Daily summaries</h2>
<p>The résumé of the tides of a day lists each high and low water with its time and height; the
façade of the harbour office in Ålesund shows the same résumé on a printed board.</p>
<h3 id="sorting">Sorting names</h3>
<p>Names sort by their letters as written, so Ålesund comes after Zürich in a list ordered the
Norwegian way and before it in most other lists.</p>""")


def _malformed() -> str:
    # Deliberately broken: missing </p> and </li>, a stray </div>, a <div> never closed, <b> and
    # <i> closed in the wrong order, attributes without quotes, a <table> never closed (the
    # footer then lands inside it for lenient parsers and browsers alike).
    return f"""<!DOCTYPE html>
<html lang=en>
<head><title>Field notes - Tidewell</title>
<body>
<nav class=sidebar><a href={V1}>Tidewell 1.0</a> <a href=guide.html>Getting started</a></nav>
<main id=content>
<h1 id=field-notes>Field notes</h1>
<p>{MALFORMED_SENTENCES[0]}
<p>{MALFORMED_SENTENCES[1]} <b>Wind from the south-west <i>piles water</b> into the bay</i>
and is the most common reason for a difference.
</div>
<h2 id=surges>Storm surges</h2>
<p>{MALFORMED_SENTENCES[2]}
<div class=note><p>{MALFORMED_SENTENCES[3]}
<h3 id=surge-example>An example entry</h3>
<pre><code>2024-02-11T06:40Z PELLY observed 4.31 m predicted 3.86 m wind SW 35 kn</code></pre>
<ul><li>{MALFORMED_SENTENCES[4]}<li>Predicted heights come from the station file in use that day.</ul>
<h2 id=log-table>The monthly log table</h2>
<p>{MALFORMED_SENTENCES[5]}
<table class=log><tr><th>Day<th>Largest difference<th>Cause
<tr><td>11 February<td>0.45 m<td>{MALFORMED_SENTENCES[6]}
<tr><td>19 February<td>0.12 m<td>{MALFORMED_SENTENCES[7]}
</main>
<footer class=page-footer><p>{FOOTER_TEXT}
</body>
</html>
"""


def _private() -> str:
    return _page("Internal notes", f"""
<h1 id="internal">Internal notes</h1>
<p>{KEY_SENTENCES[PRIVATE]}</p>""")


def _not_found() -> bytes:
    return _page("Not found", "<h1 id=\"not-found\">Not found</h1><p>No such page.</p>").encode()


ROBOTS_TXT = "User-agent: *\nDisallow: /docs/1.0/private/\n"


# -- the request log ----------------------------------------------------------------------------
class LoggedRequest(NamedTuple):
    method: str
    path: str          # as requested (path and query)
    headers: dict
    time: float        # time.monotonic() when the request line was read
    server: str        # "host:port" that received it


class RequestLog:
    """Every request one or more servers received, in arrival order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []
        self._per_path: dict[str, int] = {}

    def add(self, method: str, path: str, headers: dict, server: str) -> int:
        """Record a request; returns its attempt number for that path (1 for the first)."""
        bare = urlsplit(path).path
        with self._lock:
            self._entries.append(LoggedRequest(method, path, headers, time.monotonic(), server))
            self._per_path[bare] = self._per_path.get(bare, 0) + 1
            return self._per_path[bare]

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def paths(self) -> list[str]:
        return [urlsplit(entry.path).path for entry in self.entries()]

    def count(self, path: str) -> int:
        with self._lock:
            return self._per_path.get(path, 0)

    def times(self, path: str) -> list[float]:
        return [entry.time for entry in self.entries() if urlsplit(entry.path).path == path]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self):
        return iter(self.entries())


# -- serving ------------------------------------------------------------------------------------
Route = Callable[["_FaultHandler", int], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False     # never wait for a handler still sleeping out a timeout

    def __init__(self, host: str, handler, site: "FaultSite") -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the fault server binds loopback addresses only (got {host})")
        self.site = site
        super().__init__((host, 0), handler)

    def handle_error(self, request, client_address) -> None:
        pass    # resets, broken pipes and cancelled downloads are the point here


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"     # one request per connection: simple, exact request counts
    server_version = "TidewellFaults/1.0"

    def log_message(self, format, *args) -> None:  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        raise NotImplementedError

    def _log(self, log: RequestLog) -> int | None:
        """Record the request; None once the server has answered its last request."""
        site = self.server.site
        host, port = self.server.server_address[:2]
        attempt = log.add(self.command, self.path, dict(self.headers.items()), f"{host}:{port}")
        if site.stopped.is_set() or site.count_request():
            self.reset()
            return None
        return attempt

    # -- answers ----------------------------------------------------------------------------------
    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None, length: int | None = None) -> None:
        try:
            self.send_response(status)
            if body or content_type:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass    # the client gave up (timeout, size limit): expected

    def reset(self) -> None:
        """Drop the connection with a TCP RST and no response at all."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def truncate(self, body: bytes, keep: int) -> None:
        """Announce the whole body, send part of it, close the connection."""
        self.send(200, body[:keep], length=len(body))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class _FaultHandler(_Handler):
    def _dispatch(self) -> None:
        site = self.server.site
        attempt = self._log(site.log)
        if attempt is None:
            return
        route = site.routes.get(urlsplit(self.path).path)
        if route is None:
            self.send(404, _not_found())
        else:
            route(self, attempt)


class _TrapHandler(_Handler):
    def _dispatch(self) -> None:
        if self._log(self.server.site.offsite_log) is not None:
            self.send(200, _page("Trap", f"<h1 id=\"trap\">Trap</h1><p>{TRAP_TEXT}</p>").encode())


def _html(text: str, charset: str = "utf-8", declared: str | None = None) -> Route:
    body = text.encode(charset)
    content_type = f"text/html; charset={declared or charset}"
    return lambda handler, attempt: handler.send(200, body, content_type)


def _fail_first(statuses: list[int], then: str, headers: dict[str, str] | None = None) -> Route:
    body = then.encode()

    def route(handler: _FaultHandler, attempt: int) -> None:
        if attempt <= len(statuses):
            status = statuses[attempt - 1]
            handler.send(status, f"<html><body><p>Error {status}</p></body></html>".encode(),
                         headers=headers)
        else:
            handler.send(200, body)
    return route


def _slow(then: str, slow_attempts: float) -> Route:
    body = then.encode()

    def route(handler: _FaultHandler, attempt: int) -> None:
        site = handler.server.site
        if attempt <= slow_attempts and site.stopped.wait(site.slow_seconds):
            return      # stopped while sleeping
        handler.send(200, body)
    return route


@dataclass
class FaultSite:
    """The running servers; ``base_url`` and ``log`` are what a test needs most."""
    deadline: float = 120.0           # seconds until the servers stop by themselves
    max_requests: int = 2000          # requests (all servers together) before they stop
    slow_seconds: float = 4.0         # how long the timeout pages keep the client waiting
    base_url: str = ""
    log: RequestLog = field(default_factory=RequestLog)
    offsite_log: RequestLog = field(default_factory=RequestLog)   # the trap servers' requests
    offsite_links: dict[str, str] = field(default_factory=dict)   # label -> href on the pages
    offsite_urls: list[str] = field(default_factory=list)        # those links, resolved
    scheme_urls: list[str] = field(default_factory=list)         # file:, javascript:, mailto:
    routes: dict[str, Route] = field(default_factory=dict)
    stopped: threading.Event = field(default_factory=threading.Event)
    exhausted: bool = False           # the request limit was reached
    _requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _servers: list[_Server] = field(default_factory=list)
    _timer: threading.Timer | None = None

    def __iter__(self):
        return iter((self.base_url, self.log))

    def url(self, path: str) -> str:
        return self.base_url + path

    def count_request(self) -> bool:
        """Count one request; True when it is over the limit (the servers then stop)."""
        with self._lock:
            self._requests += 1
            over = self._requests > self.max_requests
            if over and not self.exhausted:
                self.exhausted = True
                threading.Thread(target=self.stop, daemon=True).start()
            return over

    def start(self) -> "FaultSite":
        main = _Server(HOST, _FaultHandler, self)
        other_host = _Server(OFFSITE_HOST, _TrapHandler, self)
        other_port = _Server(HOST, _TrapHandler, self)
        self._servers = [main, other_host, other_port]
        self.base_url = f"http://{HOST}:{main.server_address[1]}"
        other_host_url = f"http://{OFFSITE_HOST}:{other_host.server_address[1]}"
        other_port_url = f"http://{HOST}:{other_port.server_address[1]}"
        self.offsite_links = {
            "the gauge archive on another host": f"{other_host_url}/docs/1.0/archive.html",
            "the same archive, scheme-relative": f"//{OFFSITE_HOST}:{other_host.server_address[1]}"
                                                 f"/docs/1.0/archive-relative.html",
            "the archive on another port of this host": f"{other_port_url}{OTHER_PORT_PATH}",
            "the mirror of this manual": "https://example.invalid/docs/1.0/index.html",
            "a local copy": "file:///etc/passwd",
            "print this page": "javascript:alert(1)",
            "write to the harbour office": "mailto:tides@example.invalid?subject=Tidewell",
        }
        self.offsite_urls = [
            f"{other_host_url}/docs/1.0/archive.html",
            f"{other_host_url}/docs/1.0/archive-relative.html",
            f"{other_port_url}{OTHER_PORT_PATH}",
            "https://example.invalid/docs/1.0/index.html",
        ]
        self.scheme_urls = ["file:///etc/passwd", "javascript:alert(1)",
                            "mailto:tides@example.invalid?subject=Tidewell"]
        self.routes = self._build_routes()
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                             daemon=True).start()
        self._timer = threading.Timer(self.deadline, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self.stopped.is_set():
                return
            self.stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def _build_routes(self) -> dict[str, Route]:
        v1_index = _html(_v1_index(self.offsite_links))
        v2_index = _html(_v2_index())
        truncated = _truncated().encode()
        return {
            ROBOTS: lambda handler, attempt: handler.send(200, ROBOTS_TXT.encode(),
                                                          "text/plain; charset=utf-8"),
            ENTRY: _html(_entry()),
            V1: v1_index, V1_INDEX: v1_index,
            V2: v2_index, V2_INDEX: v2_index,
            GUIDE: _html(_guide()),
            STATIONS: _html(_stations(self.offsite_links)),
            V2_GUIDE: _html(_v2_guide()),
            V2_CLI: _html(_v2_cli()),
            FLAKY_503: _fail_first([503, 503], _flaky()),
            ALWAYS_500: _fail_first([500] * 10_000, _always_500()),
            RATE_LIMITED: _fail_first([429], _rate_limited(), headers={"Retry-After": "1"}),
            RATE_LIMITED_LONG: _fail_first([429], _rate_limited_long(), headers={"Retry-After": "3"}),
            SLOW_ALWAYS: _slow(_slow_always(), slow_attempts=float("inf")),
            SLOW_ONCE: _slow(_slow_once(), slow_attempts=1),
            RESET: lambda handler, attempt: handler.reset(),
            TRUNCATED: lambda handler, attempt: handler.truncate(truncated, len(truncated) // 3),
            LOOP_A: lambda handler, attempt: handler.send(302, headers={"Location": LOOP_B}),
            LOOP_B: lambda handler, attempt: handler.send(302, headers={"Location": LOOP_A}),
            HUGE: _html(_huge()),
            NOT_HTML: lambda handler, attempt: handler.send(200, _not_html(), "application/pdf"),
            LATIN1_AS_UTF8: _html(_regional(""), charset="cp1252", declared="utf-8"),
            UTF8_AS_LATIN1: _html(_regional("second edition"), charset="utf-8",
                                  declared="iso-8859-1"),
            MALFORMED: _html(_malformed()),
            PRIVATE: _html(_private()),
            # MISSING and OTHER_PORT_PATH: no route, 404
        }


@contextlib.contextmanager
def serve_faults(deadline: float = 120.0, max_requests: int = 2000, slow_seconds: float = 4.0):
    """Start the fault site (and its trap servers); yields the ``FaultSite``."""
    site = FaultSite(deadline=deadline, max_requests=max_requests, slow_seconds=slow_seconds)
    site.start()
    try:
        yield site
    finally:
        site.stop()


if __name__ == "__main__":
    with serve_faults(deadline=300) as running:
        print(f"fault site at {running.base_url}{ENTRY} for {running.deadline:.0f}s (Ctrl-C stops)")
        try:
            running.stopped.wait()
        except KeyboardInterrupt:
            pass
        print(f"{len(running.log)} requests, {len(running.offsite_log)} to the trap servers")
