import pytest

from inspect_app.domain.identity.permissions import Action, Actor, Decision, Role, decide, district_scope, may

OWN, OTHER = 1, 2


@pytest.mark.parametrize(
    "role, action, expected",
    [
        (Role.INSPECTOR, Action.VIEW_DIRECTORY, Decision.ALLOW),
        (Role.INSPECTOR, Action.EXPORT_DIRECTORY, Decision.ALLOW),
        (Role.INSPECTOR, Action.EDIT_STATION, Decision.FORBIDDEN),
        (Role.INSPECTOR, Action.IMPORT_DIRECTORY, Decision.FORBIDDEN),
        (Role.INSPECTOR, Action.MANAGE_USERS, Decision.FORBIDDEN),
        (Role.INSPECTOR, Action.INSPECT, Decision.ALLOW),
        (Role.INSPECTOR, Action.VIEW_INSPECTION, Decision.ALLOW),
        (Role.LEADER, Action.INSPECT, Decision.FORBIDDEN),
        (Role.LEADER, Action.VIEW_INSPECTION, Decision.ALLOW),
        (Role.LEADER, Action.REVIEW, Decision.ALLOW),
        (Role.INSPECTOR, Action.REVIEW, Decision.FORBIDDEN),
        (Role.LEADER, Action.VIEW_DIRECTORY, Decision.ALLOW),
        (Role.LEADER, Action.EDIT_STATION, Decision.ALLOW),
        (Role.LEADER, Action.IMPORT_DIRECTORY, Decision.ALLOW),
        (Role.LEADER, Action.MANAGE_USERS, Decision.FORBIDDEN),
        (Role.LEADER, Action.SUBMIT_BUNDLE, Decision.ALLOW),
        (Role.INSPECTOR, Action.SUBMIT_BUNDLE, Decision.FORBIDDEN),
        (Role.LEADER, Action.VIEW_CITY, Decision.FORBIDDEN),
        (Role.LEADER, Action.RECEIVE_BUNDLES, Decision.FORBIDDEN),
        (Role.INSPECTOR, Action.VIEW_CITY, Decision.FORBIDDEN),
        (Role.INSPECTOR, Action.RECEIVE_BUNDLES, Decision.FORBIDDEN),
        (Role.LEADER, Action.HOLD_CERTIFICATE, Decision.ALLOW),
        (Role.INSPECTOR, Action.HOLD_CERTIFICATE, Decision.FORBIDDEN),
        (Role.LEADER, Action.MANAGE_OFFICES, Decision.FORBIDDEN),
        (Role.INSPECTOR, Action.MANAGE_OFFICES, Decision.FORBIDDEN),
    ],
)
def test_district_roles_in_their_own_district(role, action, expected):
    assert decide(Actor(role, OWN), action, OWN) is expected


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
@pytest.mark.parametrize("action", list(Action))
def test_district_roles_never_learn_of_another_district(role, action):
    # Even actions the role could never do answer "not found", so nothing about the other 旗区 leaks.
    assert decide(Actor(role, OWN), action, OTHER) is Decision.NOT_FOUND


@pytest.mark.parametrize(
    "action, expected",
    [
        (Action.VIEW_DIRECTORY, Decision.ALLOW),
        (Action.EXPORT_DIRECTORY, Decision.ALLOW),
        (Action.EDIT_STATION, Decision.FORBIDDEN),
        (Action.IMPORT_DIRECTORY, Decision.FORBIDDEN),
        (Action.MANAGE_USERS, Decision.FORBIDDEN),
        (Action.INSPECT, Decision.FORBIDDEN),
        (Action.VIEW_INSPECTION, Decision.ALLOW),
        (Action.REVIEW, Decision.FORBIDDEN),
        (Action.SUBMIT_BUNDLE, Decision.FORBIDDEN),
        (Action.VIEW_CITY, Decision.ALLOW),
        (Action.RECEIVE_BUNDLES, Decision.ALLOW),
        (Action.HOLD_CERTIFICATE, Decision.ALLOW),
        (Action.MANAGE_OFFICES, Decision.FORBIDDEN),
    ],
)
def test_city_reads_every_district_and_changes_nothing(action, expected):
    assert decide(Actor(Role.CITY, None), action, OTHER) is expected


@pytest.mark.parametrize("action", list(Action))
def test_admin_may_do_everything_everywhere(action):
    assert decide(Actor(Role.ADMIN, None), action, OTHER) is Decision.ALLOW


def test_district_role_without_district_may_do_nothing():
    assert decide(Actor(Role.LEADER, None), Action.VIEW_DIRECTORY) is Decision.FORBIDDEN


def test_scope_and_shorthand():
    assert district_scope(Actor(Role.INSPECTOR, OWN)) == OWN
    assert district_scope(Actor(Role.CITY, None)) is None
    assert may(Actor(Role.LEADER, OWN), Action.EDIT_STATION)
    assert not may(Actor(Role.LEADER, OWN), Action.EDIT_STATION, OTHER)
