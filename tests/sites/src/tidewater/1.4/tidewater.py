"""Tide gauge logs as series of water levels (documentation fixture, not a real package)."""


class Series:
    """The readings of one gauge, sorted by time.

    ``gauge`` is the gauge code from the log; ``rejected`` lists the lines that could
    not be read, each with its line number and reason.
    """

    def __init__(self, gauge, readings):
        self.gauge = gauge
        self.readings = sorted(readings)
        self.rejected = []

    def __len__(self):
        return len(self.readings)

    def highest(self):
        """The highest water level of the series, in millimetres above chart datum."""
        return max(height for _, height in self.readings)


def read_log(path, zone="UTC"):
    """Read the log at ``path`` into a :class:`Series`.

    ``zone`` names the time zone of logs written by old firmware, which writes local
    harbour time without saying so.
    """
    raise NotImplementedError


def read_logs(path, zone="UTC"):
    """Read a log holding several gauges: a dictionary of :class:`Series` by gauge code."""
    raise NotImplementedError


def gaps(series, longer_than="30min"):
    """The periods longer than ``longer_than`` in which the gauge wrote nothing, as
    (start, end) pairs."""
    raise NotImplementedError
