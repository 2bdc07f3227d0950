"""Every route and API endpoint × every role × a user of another district, with the expected outcome.

A route added to the app without a row here fails the test. Outcomes: O answered (whatever the action then
says about the input), L must sign in first (a redirect to /login, or 401 from the API), F forbidden (403),
N not found (404: another district's things are not revealed).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

import pytest
from photo_factory import jpeg
from support import PIN, TODAY, keyed, make_station, make_user, sign_city_report, sign_version

from inspect_app.adapters.pdf.seal import name_signature_png
from inspect_app.campaigns import checklists
from inspect_app.city import submissions
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.follow_up import notices, spot_checks
from inspect_app.models import Office, RectificationOrder, StationStaff
from inspect_app.signboards import plaques
from inspect_app.signing import enrolments, keys

COLUMNS = ("anonymous", "inspector", "leader", "city", "admin", "other_inspector", "other_leader", "city_inspector")

# endpoint: (method, url, expected per column in COLUMNS order)
MATRIX: dict[str, tuple[str, str, str]] = {
    "account.certificate": ("GET", "/account/certificate", "LFOOOFOF"),
    "account.change_pin": ("POST", "/account/certificate/pin/change", "LFOOOFOF"),
    "account.email": ("GET", "/account/email", "LOOOOOOO"),
    "account.password": ("GET", "/account/password", "LOOOOOOO"),
    "account.set_pin": ("POST", "/account/certificate/pin", "LFOOOFOF"),
    "admin.cancel_enrolment": ("POST", "/admin/certificates/enrolments/{spare_enrolment}/cancel", "LFFFOFFF"),
    "admin.certificates": ("GET", "/admin/certificates", "LFFFOFFF"),
    "admin.city_ca": ("GET", "/admin/certificates/city-ca.pem", "LFFFOFFF"),
    "admin.create_authority": ("POST", "/admin/certificates/authority", "LFFFOFFF"),
    "admin.edit_office": ("GET", "/admin/offices/{office}/edit", "LFFFOFFF"),
    "admin.import_template": ("GET", "/admin/users/template.xlsx", "LFFFOFFF"),
    "admin.import_users": ("GET", "/admin/users/import", "LFFFOFFF"),
    "admin.offices_page": ("GET", "/admin/offices", "LFFFOFFF"),
    "admin.office_portrait": ("GET", "/admin/offices/{office}/portrait.jpg", "LFFFOFFF"),
    "admin.reset_password": ("GET", "/admin/users/{spare_user}/password", "LFFFOFFF"),
    "admin.retire_office": ("POST", "/admin/offices/{spare_office}/retire", "LFFFOFFF"),
    "admin.revoke_certificate": ("POST", "/admin/certificates/{spare_certificate}/revoke", "LFFFOFFF"),
    "admin.unlock_signing": ("POST", "/admin/certificates/{spare_certificate}/unlock", "LFFFOFFF"),
    "admin.set_active": ("POST", "/admin/users/{spare_user}/active", "LFFFOFFF"),
    "admin.set_email": ("POST", "/admin/users/{spare_user}/email", "LFFFOFFF"),
    "admin.users": ("GET", "/admin/users", "LFFFOFFF"),
    "api.add_photo": ("POST", "/api/v1/inspections/{inspection}/photos", "LOFFONNF"),
    "api.bootstrap": ("GET", "/api/v1/bootstrap", "LOFFOOFO"),
    "api.delete_photo": ("DELETE", "/api/v1/photos/{photo}", "LOFFONNF"),
    "api.get_inspection": ("GET", "/api/v1/inspections/{inspection}", "LOOOONNO"),
    "api.list_photos": ("GET", "/api/v1/inspections/{inspection}/photos", "LOOOONNO"),
    "api.get_upload": ("GET", "/api/v1/uploads/{upload}", "LOFFNNFN"),
    "api.open_inspection": ("POST", "/api/v1/inspections", "LOFFONNF"),
    "api.openapi": ("GET", "/api/v1/openapi.json", "OOOOOOOO"),
    "api.put_answer": ("PUT", "/api/v1/inspections/{inspection}/answers/A1", "LOFFONNF"),
    "api.put_chunk": ("PUT", "/api/v1/uploads/{upload}?offset=0", "LOFFNNFN"),
    "api.put_plaque": ("PUT", "/api/v1/inspections/{inspection}/plaque", "LOFFONNF"),
    "api.put_signature": ("PUT", "/api/v1/inspections/{inspection}/signatures/inspector", "LOFFONNF"),
    "api.session_info": ("GET", "/api/v1/session", "LOOOOOOO"),
    "api.start_upload": ("POST", "/api/v1/uploads", "LOFFOOFO"),
    "api.submit": ("POST", "/api/v1/inspections/{inspection}/submit", "LOFFONNF"),
    "auth.login": ("GET", "/login", "OOOOOOOO"),
    "auth.logout": ("POST", "/logout", "LOOOOOOO"),
    "bundles.build": ("POST", "/review/bundle/build", "LFOFOFOF"),
    "bundles.download": ("GET", "/review/bundle/{bundle}/download", "LOOOONNO"),
    "bundles.page": ("GET", "/review/bundle/", "LFOFOFOF"),
    "bundles.preview": ("GET", "/review/bundle/{bundle}/preview.pdf", "LOOOONNO"),
    "bundles.sign": ("POST", "/review/bundle/{bundle}/sign", "LFOFONNF"),
    "bundles.status": ("GET", "/review/bundle/{bundle}/status", "LOOOONNO"),
    "bundles.submit": ("POST", "/review/bundle/{bundle}/submit", "LFOFONNF"),
    "campaigns.checklist": ("GET", "/campaigns/{campaign}/checklist", "LOOOOOOO"),
    "campaigns.close_campaign": ("GET", "/campaigns/{campaign}/close", "LFFOOFFF"),
    "campaigns.edit": ("GET", "/campaigns/{campaign}/edit", "LFFOOFFF"),
    "campaigns.index": ("GET", "/campaigns/", "LOOOOOOO"),
    "campaigns.new": ("GET", "/campaigns/new", "LFFOOFFF"),
    "campaigns.open_campaign": ("GET", "/campaigns/{campaign}/open", "LFFOOFFF"),
    "checklists.check": ("POST", "/admin/checklists/{checklist_draft}/check", "LFFFOFFF"),
    "checklists.copy": ("POST", "/admin/checklists/copy", "LFFFOFFF"),
    "checklists.copy_default": ("POST", "/admin/checklists/default/copy", "LFFFOFFF"),
    "checklists.delete": ("POST", "/admin/checklists/{spare_checklist_draft}/delete", "LFFFOFFF"),
    "checklists.edit": ("GET", "/admin/checklists/{checklist_draft}/edit", "LFFFOFFF"),
    "checklists.export": ("GET", "/admin/checklists/{checklist_version}/export.xlsx", "LFFFOFFF"),
    "checklists.import_sheet": ("POST", "/admin/checklists/import", "LFFFOFFF"),
    "checklists.index": ("GET", "/admin/checklists/", "LFFFOFFF"),
    "checklists.preview": ("GET", "/admin/checklists/{checklist_draft}/preview", "LFFFOFFF"),
    "checklists.publish": ("POST", "/admin/checklists/{checklist_draft}/publish", "LFFFOFFF"),
    "city.decide": ("POST", "/city/submissions/{submission}/decision", "LFFOOFFF"),
    "city.demonstration": ("POST", "/city/demonstrations/{station}", "LFFOOFFF"),
    "city.district": ("GET", "/city/districts/{district}", "LFFOOFFF"),
    "city.download": ("GET", "/city/submissions/{submission}/download", "LFFOOFFF"),
    "city.inbox": ("GET", "/city/", "LFFOOFFF"),
    "city.upload": ("GET", "/city/upload", "LFFOOFFF"),
    "city.verify": ("POST", "/city/submissions/{submission}/verify", "LFFOOFFF"),
    "city_reports.build_report": ("POST", "/city/report", "LFFOOFFF"),
    "city_reports.dashboard": ("GET", "/city/dashboard", "LFFOOFFF"),
    "city_reports.download_report": ("GET", "/city/report/{report}/download", "LFFOOFFF"),
    "city_reports.export": ("GET", "/city/export.geojson", "LFFOOFFF"),
    "city_reports.preview_report": ("GET", "/city/report/{report}/preview.pdf", "LFFOOFFF"),
    "city_reports.report": ("GET", "/city/report", "LFFOOFFF"),
    "city_reports.sign_report": ("POST", "/city/report/{report}/sign", "LFFOOFFF"),
    "directory.edit": ("GET", "/directory/{spare_station}/edit", "LFOFONNF"),
    "directory.index": ("GET", "/directory/", "LOOOOOOO"),
    "directory.new": ("GET", "/directory/new", "LFOFOFOF"),
    "directory.retire": ("POST", "/directory/{spare_station}/retire", "LFOFONNF"),
    "directory.show": ("GET", "/directory/{station}", "LOOOONNO"),
    "directory_io.export": ("GET", "/directory/export.xlsx", "LOOOOOOF"),
    "directory_io.import_page": ("GET", "/directory/import", "LFOFOFOF"),
    "directory_io.template": ("GET", "/directory/template.xlsx", "LOOOOOOO"),
    "files.photo": ("GET", "/files/photos/{photo}/thumbnail", "LOOOONNO"),
    "files.signature": ("GET", "/files/inspections/{inspection}/signatures/inspector", "LOOOONNO"),
    "home.index": ("GET", "/", "LOOOOOOO"),
    "inspect.add_photo": ("POST", "/inspect/inspections/{inspection}/photos", "LOFFONNF"),
    "inspect.board": ("GET", "/inspect/", "LOFFOOFF"),
    "inspect.checklist": ("GET", "/inspect/inspections/{inspection}", "LOOOONNO"),
    "inspect.follow_up_board": ("GET", "/inspect/follow-ups", "LOFFOOFO"),
    "inspect.open_recheck": ("POST", "/inspect/orders/{order}/recheck", "LOFFONNF"),
    "inspect.open_spot_check": ("POST", "/inspect/spot-checks/{sampled_station_station}/open", "LFFFOFFO"),
    "inspect.open_station": ("POST", "/inspect/stations/{station}/open", "LOFFONNF"),
    "inspect.remove_photo": ("POST", "/inspect/photos/{photo}/remove", "LOFFONNF"),
    "inspect.save_answers": ("POST", "/inspect/inspections/{inspection}/answers", "LOFFONNF"),
    "inspect.check_plaque": ("POST", "/inspect/inspections/{inspection}/plaque", "LOFFONNF"),
    "inspect.sign": ("POST", "/inspect/inspections/{inspection}/signatures/inspector", "LOFFONNF"),
    "inspect.submit": ("POST", "/inspect/inspections/{inspection}/submit", "LOFFONNF"),
    "orders.assigned": ("GET", "/inspect/orders", "LOFFOOFF"),
    "orders.city": ("GET", "/city/orders", "LFFOOFFO"),
    "orders.draft": ("POST", "/review/orders/draft", "LFOFOFOF"),
    "orders.edit": ("POST", "/review/orders/{order}/edit", "LFOFONNF"),
    "orders.extend": ("POST", "/review/orders/{order}/extend", "LFOFONNF"),
    # The world's inspection is the district's own, not a spot check: the city is answered 404.
    "orders.from_spot_check": ("POST", "/city/spot-checks/{inspection}/order", "LFFNNFFF"),
    "orders.index": ("GET", "/review/orders/", "LFOFOFOF"),
    "orders.issue_order": ("POST", "/review/orders/{order}/issue", "LFOFONNF"),
    "orders.notice": ("GET", "/review/orders/{order}/notice.pdf", "LOOOONNO"),
    "orders.retire": ("POST", "/review/orders/{order}/retire", "LFOFONNF"),
    "orders.show": ("GET", "/review/orders/{order}", "LOOOONNO"),
    "notices.city_notices": ("GET", "/city/notices", "LFFOOFFF"),
    "notices.edit_notice": ("POST", "/city/notices/{notice}/edit", "LFFOOFFF"),
    "notices.preview_notice": ("GET", "/city/notices/{notice}/preview.pdf", "LFFOOFFF"),
    "notices.publish_notice": ("POST", "/city/notices/{notice}/publish", "LFFOOFFF"),
    "notices.published": ("GET", "/notices/", "LFOOOFOF"),
    "notices.published_pdf": ("GET", "/notices/{notice}.pdf", "LFOOOFOF"),
    "notices.redraft_notice": ("POST", "/city/notices/{notice}/redraft", "LFFOOFFF"),
    "notices.sign_notice": ("POST", "/city/notices/{notice}/sign", "LFFOOFFF"),
    "notices.signed_notice": ("GET", "/city/notices/{notice}/notice.pdf", "LFFOOFFF"),
    "notices.start_notice": ("POST", "/city/notices", "LFFOOFFF"),
    "pwa.manifest": ("GET", "/manifest.webmanifest", "OOOOOOOO"),
    "pwa.offline": ("GET", "/inspect/offline", "OOOOOOOO"),
    "pwa.service_worker": ("GET", "/sw.js", "OOOOOOOO"),
    "pwa.shell": ("GET", "/inspect/app", "LOFFOOFO"),
    "public.officer_portrait": ("GET", "/s/{plaque}/officer.jpg", "OOOOOOOO"),
    "public.staff_portrait": ("GET", "/s/{plaque}/staff/1.jpg", "OOOOOOOO"),
    "public.station": ("GET", "/s/{plaque}", "OOOOOOOO"),
    "signboards.batch_pdf": ("GET", "/signboards/batch/station-A3.pdf?district={district}", "LFOOOFOF"),
    "signboards.index": ("GET", "/signboards/?district={district}", "LFOOOFOF"),
    "signboards.reissue": ("POST", "/signboards/stations/{station}/reissue", "LFOFONNF"),
    "signboards.station_pdf": ("GET", "/signboards/stations/{station}/station-A4.pdf", "LFOOOFNF"),
    "spot_checks.assign": ("POST", "/city/spot-checks/stations/{sampled_station}/assign", "LFFOOFFF"),
    "spot_checks.comparisons": ("GET", "/city/spot-checks/comparisons", "LFFOOFFF"),
    "spot_checks.draw": ("POST", "/city/spot-checks/draw", "LFFOOFFF"),
    "spot_checks.sample": ("GET", "/city/spot-checks/", "LFFOOFFF"),
    "signboard_staff.add_staff": ("POST", "/directory/{station}/signboard/staff", "LFOFONNF"),
    "signboard_staff.clear_officer": ("POST", "/directory/{station}/signboard/officer/clear", "LFOFONNF"),
    "signboard_staff.edit_staff": ("POST", "/directory/{station}/signboard/staff/{staff}", "LFOFONNF"),
    "signboard_staff.move_staff": ("POST", "/directory/{station}/signboard/staff/{staff}/move", "LFOFONNF"),
    "signboard_staff.officer_portrait": ("GET", "/directory/{station}/signboard/officer.jpg", "LOOOONNO"),
    "signboard_staff.remove_staff": ("POST", "/directory/{station}/signboard/staff/{staff}/remove", "LFOFONNF"),
    "signboard_staff.set_officer": ("POST", "/directory/{station}/signboard/officer", "LFOFONNF"),
    "signboard_staff.signboard": ("GET", "/directory/{station}/signboard", "LFOFONNF"),
    "signboard_staff.staff_portrait": ("GET", "/directory/{station}/signboard/staff/{staff}/portrait.jpg", "LOOOONNO"),
    "review.decide": ("POST", "/review/inspections/{inspection}/decision", "LFOFONNF"),
    "review.overview": ("GET", "/review/", "LFOFOFOF"),
    "review.recommend": ("POST", "/review/inspections/{inspection}/recommend", "LFOFONNF"),
}
UNLISTED = {"static"}  # Flask's own static files
# A body the access check comes before (elsewhere an empty one: the action refuses it, nothing changes).
BODIES = {"api.open_inspection": lambda ids: {"station_id": ids["station"]}}


def outcome(response) -> str:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    # Signing out also ends on the sign-in page: only a redirect that asks to come back is "sign in first".
    if response.status_code == 401 or (response.status_code == 302 and "/login?next=" in response.location):
        return "L"
    return {403: "F", 404: "N"}.get(response.status_code, "O")


@pytest.fixture
def world(app, session, city_season, tmp_path):
    """District 150602 with a signed, submitted bundle and the city's report; users of every role and of 150603."""
    ds, campaign, city = city_season["ds"], city_season["campaign"], city_season["city"]
    store = app.extensions["filestore"]
    bundle = sign_version(app, session, ds["leader"], campaign, tmp_path)
    submission = submissions.submit_bundle(session, ds["leader"].actor, store, bundle.id)
    report = sign_city_report(app, session, city, campaign, tmp_path, name_signature_png(city.display_name))
    draft = notices.start_draft(session, city.actor, city, campaign.id, TODAY)
    notice = notices.sign_notice(session, city.actor, store, city, draft.id, keyed(app, PIN), tmp_path)
    notices.publish_notice(session, city.actor, notice.id)
    admin = make_user(session, "admin", username="admin.matrix")
    city_inspector = make_user(session, "city_inspector", username="city.inspector")
    spare = make_user(session, "inspector", "150602", username="spare.inspector")
    spare_certificate = keys.issue_certificate(
        session, app.config["PKI_CA_PASSPHRASE"], city_season["kbs"]["leader"].id, "24681357"
    )
    spare_enrolment = enrolments.enrol(session, admin.actor, ds["leader"].id)
    office, spare_office = (
        Office(district_id=ds["leader"].district_id, name=name) for name in ("林荫市场监管所", "空置市场监管所")
    )
    # The station's plaque: one staff member and its 监管所's officer, both with a portrait (the body posted to the
    # removal names nobody, and clearing an officer the station never set changes nothing).
    portrait = store.put(jpeg(size=(480, 640)), "jpg")
    office.officer_name, office.officer_phone, office.officer_photo_key = "赵军", "0477-8123456", portrait
    station = ds["stations"][0]
    station.office = office
    station.staff.append(StationStaff(name="王丽", duty="站长", phone="13912345678", photo_key=portrait))
    session.add_all([office, spare_office])
    session.commit()
    checklist_draft, spare_checklist_draft = (
        checklists.copy_version(session, admin.actor, campaign.checklist_version_id) for _ in "12"
    )
    sample = spot_checks.draw_sample(session, city.actor, campaign, 50)
    inspection = ds["inspections"][0]
    # An issued order re-checked by insp.ds, its notice stored: every decision on it is refused, nothing changes.
    order = RectificationOrder(
        inspection_id=inspection.id,
        station_id=inspection.station_id,
        campaign_id=campaign.id,
        district_id=inspection.station.district_id,
        status=OrderStatus.ISSUED,
        items=[],
        deadline=date(2026, 12, 31),
        inspector_id=inspection.inspector_id,
        number="东胜市监整改〔2026〕1号",
        notice_key=store.put(b"%PDF-1.7 notice", "pdf"),
    )
    session.add(order)
    session.commit()
    spot_checks.assign(session, city.actor, sample.stations[0].id, city_inspector.id)
    # Stations whose plaques name a staff member and the officer with their portraits: the one the signboard routes
    # print and reissue, and another whose current plaque the public page shows (the reissue does not touch it).
    portrait = store.put(jpeg(size=(300, 400)), "jpg")
    for plaque_station in (ds["stations"][0], make_station(session, "150602")):
        plaque_station.staff = [StationStaff(name="张站长", duty="站长", phone="13800000001", photo_key=portrait)]
        plaque_station.officer_name, plaque_station.officer_photo_key = "刘监管", portrait
        plaque_station.officer_phone = "0477-8888888"
    plaque = plaques.plaque_for_printing(session, None, plaque_station)
    session.commit()
    data = b"partial photo bytes"
    upload = hashlib.sha256(data).hexdigest()
    client = app.test_client()
    client.post("/login", data={"username": "insp.ds", "password": "secret-pass-1"})
    client.post("/api/v1/uploads", json={"sha256": upload, "size": len(data) + 10})
    return {
        "users": {
            "inspector": "insp.ds",
            "leader": "leader.ds",
            "city": "city.center",
            "admin": "admin.matrix",
            "other_inspector": "insp.kbs",
            "other_leader": "leader.kbs",
            "city_inspector": "city.inspector",
        },
        "ids": {
            "inspection": inspection.id,
            "order": order.id,
            "photo": inspection.photos[0].id,
            "station": ds["stations"][0].id,
            "spare_station": make_station(session, "150602").id,
            "bundle": bundle.id,
            "submission": submission.id,
            "report": report.id,
            "notice": notice.id,
            "campaign": campaign.id,
            "district": ds["leader"].district_id,
            "spare_user": spare.id,
            "spare_certificate": spare_certificate.id,
            "upload": upload,
            "spare_enrolment": spare_enrolment.id,
            "office": office.id,
            "spare_office": spare_office.id,
            "staff": station.staff[0].id,
            "checklist_version": campaign.checklist_version_id,
            "checklist_draft": checklist_draft.id,
            "spare_checklist_draft": spare_checklist_draft.id,
            "sampled_station": sample.stations[0].id,
            "sampled_station_station": sample.stations[0].station_id,
            "plaque": plaque.token,
        },
    }


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - UNLISTED - set(MATRIX) == set(), "routes without a row in the permissions matrix"
    assert set(MATRIX) - endpoints == set(), "rows for routes that no longer exist"
    assert all(len(expected) == len(COLUMNS) for _, _, expected in MATRIX.values())


def test_each_role_gets_exactly_what_the_matrix_says(app, world):
    # Signing out ends a column, so it goes last.
    rows = sorted(MATRIX.items(), key=lambda item: item[0] == "auth.logout")
    wrong = []
    for column, who in enumerate(COLUMNS):
        client = app.test_client()
        if who != "anonymous":
            signed_in = client.post("/login", data={"username": world["users"][who], "password": "secret-pass-1"})
            assert signed_in.status_code == 302, who
        for endpoint, (method, url, expected) in rows:
            # Bodies that pass the access check but not the action's own: nothing of the world changes.
            body = BODIES[endpoint](world["ids"]) if endpoint in BODIES else {}
            response = client.open(
                url.format(**world["ids"]),
                method=method,
                json=body if "/api/" in url else None,
                data=None if "/api/" in url else {"narrative": "长" * 20001},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            got = outcome(response)
            if got != expected[column]:
                wrong.append(f"{endpoint} as {who}: expected {expected[column]}, got {got} ({response.status_code})")
    assert wrong == [], "\n".join(wrong)
