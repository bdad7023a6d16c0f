"""Log lines for schedulers and terminals: JSON lines on request, control characters escaped."""
from __future__ import annotations

import json
import sys

from output.safety import printable


def install_json_logging(level: str) -> None:
    """One JSON object per log line on stderr, for log shippers and schedulers."""
    import logging

    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return json.dumps({"time": self.formatTime(record), "level": record.levelname,
                               "logger": record.name, "message": record.getMessage()})

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    logging.root.addHandler(handler)
    logging.root.setLevel(level)


def escape_log_control_characters() -> None:
    """Log lines carry URLs, headers and page text from servers: a terminal escape in them must
    not retitle or clear the user's terminal. A record factory covers every handler, including
    the one Scrapy installs when the crawl starts."""
    import logging

    make_record = logging.getLogRecordFactory()

    def printable_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.levelno < _lowest_handler_level(record.name):
            return record   # no handler prints it (Scrapy's DEBUG "Scraped from" holds a whole record)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error report
            return record
        if printable(message) != message:
            record.msg, record.args = printable(message), None
        return record

    logging.setLogRecordFactory(printable_record)


def _lowest_handler_level(name: str) -> int:
    """The lowest level any handler would print a record of logger ``name`` at."""
    import logging

    logger = logging.root.manager.loggerDict.get(name)
    logger = logger if isinstance(logger, logging.Logger) else logging.root
    levels = []
    while logger is not None:
        levels.extend(handler.level for handler in logger.handlers)
        logger = logger.parent if logger.propagate else None
    if not levels:   # logging's last resort prints it
        return logging.lastResort.level if logging.lastResort else logging.NOTSET
    return min(levels)
