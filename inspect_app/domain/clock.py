"""The one time zone the project shows: times are stored in UTC and read by people in Beijing time."""

from datetime import timedelta, timezone

# A fixed offset, not the tz database: China has kept UTC+8 without daylight saving since 1991, and the name
# is the one the inspectors read in messages.
BEIJING = timezone(timedelta(hours=8), "北京时间")
