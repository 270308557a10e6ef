"""Leases taken by a conditional write with an expiry (an analysis job, a dataset being
processed): renewed while the work runs, so only a dead worker's lease runs out and
the retry that comes after it can take the work over."""
import logging
import threading

log = logging.getLogger('chatmrpt.leases')


class Heartbeat:
    """Calls `renew()` every `seconds` while the `with` block runs; `lost` becomes True
    (and renewing stops) once `renew()` returns False: someone else holds the work now.
    `wait(stop, seconds)` waits between renewals, True once the work has ended (a test
    passes one it drives)."""

    def __init__(self, renew, seconds, where=None, wait=threading.Event.wait):
        self.lost = False
        self._renew = renew
        self._seconds = seconds
        self._where = where
        self._wait = wait
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _beat(self):
        while not self._wait(self._stop, self._seconds):
            try:
                if self._renew() is False:
                    self.lost = True
                    self._stop.set()
            except Exception:
                log.warning('lease not renewed; trying again', exc_info=True, extra=self._where)
