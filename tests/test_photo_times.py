"""Photo times as people read them: the page, the API and the report caption a photo with the camera's time
when EXIF has one, and the stale finding counts from the campaign start it names."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from photo_factory import jpeg
from support import NEAR, open_inspection, upload

from inspect_app.bundles.report.data import gather_report
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import Inspection, Photo

BEIJING = timezone(timedelta(hours=8))
GALLERY = datetime(2008, 10, 24, 10, 0)  # DateTimeOriginal with no offset: the camera's clock, read as 北京时间
STALE = "相机记录的拍摄时间 2008-10-24 10:00（北京时间）比本批次验收的开始日期（2026-09-01）早 6521 天"


def test_a_gallery_photo_from_2008_is_captioned_with_its_exif_time_everywhere(app, client, session, login_as, station):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    # Chosen from the gallery today, with today's position and time from the phone.
    page = upload(client, inspection_id, "signboard", jpeg(*NEAR, taken=GALLERY, seed=71)).get_data(as_text=True)
    assert "相机记录的拍摄时间：2008-10-24 10:00" in page
    assert "在手机上拍摄或选取的时间" not in page and "拍摄时手机时间" not in page
    assert STALE in page

    shown = client.get(f"/api/v1/inspections/{inspection_id}").get_json()["photos"][0]
    assert (shown["caption_time"], shown["caption_time_label"], shown["caption_time_text"]) == (
        "2008-10-24T02:00:00+00:00",
        "相机记录的拍摄时间",
        "2008-10-24 10:00",
    )
    assert any(f["message"].startswith(STALE) for f in shown["findings"])

    inspection = session.get(Inspection, inspection_id)
    inspection.status = InspectionStatus.SUBMITTED  # the report holds submitted inspections only
    session.commit()
    data = gather_report(
        session,
        inspection.station.district_id,
        inspection.campaign_id,
        leader_name="张建国",
        narrative="",
        store=app.extensions["filestore"],
        signed_at=None,
    )
    photo = data.stations[0].photos[0]
    assert (photo.taken_at, photo.time_label) == (GALLERY.replace(tzinfo=BEIJING), "相机记录的拍摄时间")


def test_a_photo_without_an_exif_time_says_it_is_the_phone_time_of_taking_or_choosing(
    client, session, login_as, station
):
    login_as("inspector", "150602")
    inspection_id = open_inspection(client, station)
    page = upload(client, inspection_id, "signboard", jpeg(*NEAR, seed=72)).get_data(as_text=True)
    assert "在手机上拍摄或选取的时间：" in page and "相机记录的拍摄时间" not in page
    shown = client.get(f"/api/v1/inspections/{inspection_id}").get_json()["photos"][0]
    phone_time = session.get(Photo, shown["id"]).browser_taken_at
    assert (shown["caption_time"], shown["caption_time_label"]) == (phone_time.isoformat(), "在手机上拍摄或选取的时间")
    assert shown["caption_time_text"] == phone_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    assert f"在手机上拍摄或选取的时间：{shown['caption_time_text']}" in page
