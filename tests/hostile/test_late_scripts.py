"""A page whose scripts write its text late, read in Chromium (``--render always``): a loading
counter ticks for over a second (no request: the network looks idle to Playwright after 500 ms),
then the text is fetched and written, then a last part is added after three more ticks. Every
part must be in the records: the crawl reads a page once no request is in flight and the document
has stopped changing (``crawler.run.browser.settle``), not at the network's first quiet moment.
A busy machine makes any page's scripts this late.

Each tick is a timer due before the quiet timer the check starts after a change (150 ms against
500 ms), so the check cannot end between two ticks however slow the machine."""
from __future__ import annotations

import pytest

from crawler.run.browser import find_browser

from ..conftest import read_manifest, read_records, run_docprompts
from .server import Answer, html, page, serve_hostile

pytestmark = [pytest.mark.slow, pytest.mark.skipif(find_browser() is None, reason="no Chromium here "
                                                   "(apt-get install chromium)")]

FIRST_PART = ("High water at the harbour mouth comes forty minutes after the almanac's reference port, "
              "and the flood runs strongest in the hour before it.")
SECOND_PART = ("Slack water lasts about twelve minutes at neaps and barely five at springs, so moorings are "
               "changed at the turn of the ebb.")
LATE_SCRIPT = """<script>
const main = document.getElementById('content');
const tick = (count, then) => setTimeout(() => {
  document.getElementById('status').textContent = 'Loading ' + '.'.repeat(count);
  count > 1 ? tick(count - 1, then) : then();
}, 150);
tick(8, () => fetch('part.txt').then(answer => answer.text()).then(text => {
  main.innerHTML = '<h1>Tide notes</h1><p>' + text + '</p><p id="status">Loading the rest</p>';
  tick(3, () => document.getElementById('status').outerHTML = '<h2>Slack water</h2><p>%s</p>');
}));
</script>""" % SECOND_PART


def late_site(path: str) -> Answer | None:
    if path == "/docs/":
        return html(page("Tide notes", "<h1>Tide notes</h1><p id='status'>Loading</p>" + LATE_SCRIPT))
    if path == "/docs/part.txt":
        return Answer(FIRST_PART.encode(), content_type="text/plain; charset=utf-8")
    return None


def test_a_page_written_after_the_network_went_quiet_is_read_whole(tmp_path):
    out = tmp_path / "late.jsonl"
    with serve_hostile(late_site) as site:
        result = run_docprompts("crawl", site.base_url + "/docs/", "--out", str(out), "--render", "always",
                                "--workers", "0")
    assert result.returncode == 0, result.stderr[-2000:]
    text = "\n".join(record["text"] for record in read_records(out))
    assert FIRST_PART in text and SECOND_PART in text, text
    assert "Loading" not in text
    rendering = read_manifest(out)["rendering"]
    assert rendering["pages_rendered"] == 1 and rendering["unsettled"] == []


CLOCK_SCRIPT = """<script>
setInterval(() => document.getElementById('clock').textContent = new Date().toISOString(), 100);
</script>"""


def ticking_site(path: str) -> Answer | None:
    if path == "/docs/":
        return html(page("Tide clock", f"<h1>Tide clock</h1><p>{FIRST_PART}</p><p id='clock'>now</p>{CLOCK_SCRIPT}"))
    return None


def test_a_page_that_never_settles_is_read_at_the_limit_and_named(tmp_path):
    """A clock that ticks forever: the page is read after DOCPROMPTS_RENDER_SETTLE seconds, its
    text kept, and the manifest and the log say it was read before it settled."""
    out = tmp_path / "clock.jsonl"
    with serve_hostile(ticking_site) as site:
        result = run_docprompts("crawl", site.base_url + "/docs/", "--out", str(out), "--render", "always",
                                "--workers", "0", "-s", "DOCPROMPTS_RENDER_SETTLE=2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert FIRST_PART in "\n".join(record["text"] for record in read_records(out))
    assert read_manifest(out)["rendering"]["unsettled"] == [site.base_url + "/docs/"]
    assert "read in the browser before it settled" in result.stderr
