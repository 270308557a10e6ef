"""Leases taken by a conditional write with an expiry (an analysis job, a dataset being
processed): renewed while the work runs, so only a dead worker's lease runs out and
the retry that comes after it can take the work over."""
import logging
import threading

from chalicelib.storage.base import StaleTransition, now_iso

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


class LeaseLost(StaleTransition):
    """The holder no longer holds the lease (another worker took the item over, or it was
    finished or deleted): stop quietly, write nothing more."""


class Lease:
    """The lease of one kind of status item, written once for every table that has one.

    `claim` takes an item `waiting` to be worked on, or one `working` whose holder's lease ran
    out (its function died and a retry came); `renew` extends it while its holder works; `hold`
    writes while the holder still holds it. `owner` and `until` name the item's fields.
    """

    def __init__(self, table, waiting, working, owner, until, seconds):
        self.table, self.waiting, self.working = table, waiting, working
        self.owner, self.until, self.seconds = owner, until, seconds

    def claim(self, user_id, item_id, holder, now):
        """The item, now `working` under `holder` until `now + seconds`; None when another holds
        a live lease or the item is past working (or gone)."""
        return self.table.update(
            user_id, item_id,
            {'status': self.working, self.owner: holder, self.until: now + self.seconds, 'updated_at': now_iso()},
            'attribute_exists(user_id) AND (#status = :waiting OR '
            '(#status = :working AND (attribute_not_exists(#until) OR #until < :now)))',
            {':waiting': self.waiting, ':working': self.working, ':now': now},
            {'#status': 'status', '#until': self.until})

    def renew(self, user_id, item_id, holder, now):
        """Extend `holder`'s lease; False once it is lost, so a holder that lost it never keeps
        the new holder's lease alive."""
        return self.hold(user_id, item_id, holder, **{self.until: now + self.seconds}) is not None

    def hold(self, user_id, item_id, holder, **fields):
        """Write `fields` while `holder` holds the lease; the item after, or None when it does not."""
        return self.table.update(user_id, item_id, dict(fields, updated_at=now_iso()),
                                 '#status = :working AND #owner = :me',
                                 {':working': self.working, ':me': holder},
                                 {'#status': 'status', '#owner': self.owner})
