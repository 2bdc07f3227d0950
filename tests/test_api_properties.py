"""Property-based check of /api/v1 against its own OpenAPI document: no input gives a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from support import PASSWORD, make_station, make_user


@pytest.fixture
def signed_in(app, client, session, campaign):
    """An inspector with a station and the cookie and CSRF header a real client would send."""
    make_station(session, "150602")
    make_user(session, "inspector", "150602", username="inspector.api")
    app.config["WTF_CSRF_ENABLED"] = True
    agent = {"User-Agent": "inspect-api-tests"}
    page = client.get("/login", headers=agent).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        client.post(
            "/login", headers=agent, data={"username": "inspector.api", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    csrf = client.get("/api/v1/session", headers=agent).get_json()["csrf_token"]
    cookie = client.get_cookie("session").value
    return {"headers": {**agent, "X-CSRFToken": csrf}, "cookies": {"session": cookie}}


def test_no_input_gives_a_server_error(app, signed_in):
    # Strategies are driven by Hypothesis directly, one operation at a time (no pytest plugin involved).
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    seen: dict[str, set[int]] = {}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            # The security schemes make the generator invent credentials: use the real ones.
            case.cookies = dict(signed_in["cookies"])
            case.headers = {**(case.headers or {}), **signed_in["headers"]}
            response = case.call()
            seen.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
            if response.status_code >= 400:
                content_type = response.headers.get("Content-Type") or response.headers.get("content-type") or ""
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type.startswith("application/json"), (
                    case.method,
                    case.formatted_path,
                    response.status_code,
                    response.text[:300],
                )
                body = response.json()
                assert body["error"]["code"] and body["error"]["message"]

        check()
    assert len(seen) == len(operations)
    assert 200 in seen["GET /session"] and 200 in seen["GET /bootstrap"]  # signed in, not merely refused
