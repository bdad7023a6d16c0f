"""What real sites throw at a crawl, named and counted: retries with their URL (honouring a
server's ``Retry-After``) and failures by kind (mislabelled charsets: ``crawler.page.charset``).

Everything here feeds the run manifest (``retries``, ``failures[].kind``)
so a scheduled job can tell a flaky host from a broken page without reading logs.
"""
from __future__ import annotations

import asyncio
import email.utils
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import response_status_message
from twisted.internet import error as twisted_errors

MAX_RETRY_AFTER_SECONDS = 60.0   # a longer wait is the server asking us to come back another day


def failure_kind(error: BaseException) -> str:
    if isinstance(error, HttpError):
        return "http_error"
    if isinstance(error, (DownloadTimeoutError, twisted_errors.TimeoutError, TimeoutError)):
        return "timeout"
    if type(error).__name__ == "TimeoutError":   # Playwright's: a rendered page over its time limit
        return "timeout"
    if isinstance(error, ResponseDataLossError) or "DataLoss" in repr(error):
        return "truncated"
    if isinstance(error, DownloadCancelledError) and "max size" in str(error):
        return "too_large"
    if isinstance(error, IgnoreRequest):
        message = str(error)
        if "robots.txt" in message:
            return "robots"
        if "redirect" in message:
            return "redirect_loop"
        return "other"
    if isinstance(error, (DownloadConnectionRefusedError, DownloadFailedError, ConnectionError,
                          twisted_errors.ConnectionLost, twisted_errors.ConnectionDone,
                          twisted_errors.ConnectError)) or "ResponseFailed" in type(error).__name__:
        return "connection"
    return "other"


def retry_after_seconds(value: bytes | None) -> float:
    """``Retry-After``: seconds or an HTTP date; capped, 0 when absent or unreadable."""
    if not value:
        return 0.0
    text = value.decode("latin-1").strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(text).timestamp() - time.time()
        except (TypeError, ValueError):
            return 0.0
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))


class LoggingRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each attempt listed with its URL; waits as long as ``Retry-After`` asks
    (this request only: other downloads go on meanwhile)."""

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay:
            await asyncio.sleep(delay)
        return retry

    def _retry(self, request, reason):
        retry = super()._retry(request, reason)
        if retry is not None:
            text = f"HTTP {reason.split(' ', 1)[0]}" if isinstance(reason, str) else failure_kind(reason)
            run = getattr(self.crawler.spider, "run", None)
            if run is not None:
                run.retries.append({"url": request.url, "reason": text})
        return retry
