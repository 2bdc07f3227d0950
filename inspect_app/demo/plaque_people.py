"""Demo data for the plaques: each demo station's staff and each office's officer, with stand-in portraits; most
stations are ready for the print shop and a few lack something, so that the list of gaps has something to say."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.pdf.seal import demo_portrait
from inspect_app.demo.seed import GIVEN, SURNAMES
from inspect_app.domain.directory.signboards import SignboardKind, plaque_gaps
from inspect_app.housekeeping import stored_files
from inspect_app.models import Office, Station, StationStaff
from inspect_app.signboards.plaques import plaque_facts

DUTIES = ("站长", "调解员", "兼职调解员")
OFFICE_WITHOUT_PORTRAIT = 3  # the fourth office's officer has no portrait yet: its stations' plaques wait for it


def _phone(rng: random.Random) -> str:
    return f"139{rng.randint(10_000_000, 99_999_999)}"


def seed_plaque_people(session: Session, store: FileStore, seed_value: int = 18) -> int:
    """Give the demo stations their staff and the offices their officers' portraits; how many stations' plaques
    still lack something."""
    rng = random.Random(seed_value)
    contents: list[tuple[bytes, str]] = []

    def portrait() -> str:
        data = demo_portrait(rng.randrange(1_000_000))
        contents.append((data, "jpg"))
        return stored_files.key_of(data, "jpg")

    offices = session.scalars(select(Office).order_by(Office.id)).all()
    office_photos = [None if n == OFFICE_WITHOUT_PORTRAIT else portrait() for n in range(len(offices))]
    stations = session.scalars(select(Station).order_by(Station.number)).all()
    plans = []
    for n, station in enumerate(stations):
        people = [
            StationStaff(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                duty=DUTIES[position],
                phone=None if n % 13 == 8 and position == 0 else _phone(rng),  # a phone still to come
                photo_key=None if n % 9 == 4 and position == 1 else portrait(),  # a portrait still to come
                position=position,
            )
            for position in range(rng.randint(2, 3))
        ]
        # Now and then another officer looks after a station's area than its office's.
        own = (rng.choice(SURNAMES) + rng.choice(GIVEN), _phone(rng), portrait()) if n % 10 == 6 else None
        plans.append((station, people, own))
    stored_files.put_all(session, store, contents)  # the files' locks before the rows that name them
    for office, key in zip(offices, office_photos):
        office.officer_photo_key = key
    for station, people, own in plans:
        station.staff = people
        if own is not None:
            station.officer_name, station.officer_phone, station.officer_photo_key = own
    session.commit()
    return sum(1 for station in stations if plaque_gaps(plaque_facts(station), SignboardKind.STATION))
