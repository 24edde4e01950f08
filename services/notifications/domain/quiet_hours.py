"""When an SMS may reach a household: never at night, local time (WITA). A message due in the
quiet hours is deferred to their end, never dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sipmas import settings


@dataclass(frozen=True)
class QuietHours:
    start: time  # local, e.g. 21:00
    end: time  # local, e.g. 07:00 (earlier than start: the window crosses midnight)
    zone: ZoneInfo

    @classmethod
    def parse(cls, window: str, zone: str) -> QuietHours:
        """``"21:00-07:00"`` in ``zone``; an empty window (``""``) means never quiet."""
        if not window.strip():
            return cls(time(0), time(0), ZoneInfo(zone))
        start, end = (time.fromisoformat(part.strip()) for part in window.split("-"))
        return cls(start, end, ZoneInfo(zone))

    def active(self, at: datetime) -> bool:
        """Whether ``at`` (aware) falls in the window."""
        local = at.astimezone(self.zone).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends(self, at: datetime) -> datetime:
        """The first moment after ``at`` when sending is allowed again (``at`` if it is now)."""
        if not self.active(at):
            return at
        local = at.astimezone(self.zone)
        end = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.zone)
        return end.astimezone(at.tzinfo)


def configured() -> QuietHours:
    return QuietHours.parse(settings.sms_quiet_hours(), settings.local_timezone())


def applies(channel: str, recipient_kind: str) -> bool:
    """Quiet hours protect households' nights; staff and agency systems get their messages."""
    return channel == "sms" and recipient_kind == "household"
