"""Forms: CSRF and rendering only; the rules live in the domain and the use cases."""

from __future__ import annotations

from typing import Any, Callable

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from inspect_app.domain.directory.stations import HOST_TYPE_LABELS, STATUS_LABELS
from inspect_app.shared.errors import Invalid

FALSE_VALUES = (False, "false", "", "0", "n", "no", "否")


def show_errors(form: FlaskForm, error: Invalid, elsewhere: Callable[[str], None] | None = None) -> None:
    """A use case's field errors beside their fields; the others on top of the form, or to `elsewhere` (a flash,
    when the form may not be shown again)."""
    for name, message in error.errors.items():
        target = form._fields.get(name)
        if target is not None:
            target.errors = [*target.errors, message]
        elif elsewhere is not None:
            elsewhere(message)
        else:
            form.form_errors.append(message)


class StationForm(FlaskForm):
    number = StringField("站点编号", render_kw={"autocapitalize": "none", "placeholder": "如 150602-001"})
    name = StringField("服务站名称")
    host_organisation = StringField("依托单位")
    credit_code = StringField("统一社会信用代码", render_kw={"autocapitalize": "characters", "maxlength": 24})
    # Choices are not checked here: the domain rule validates every value with a Chinese message.
    host_type = SelectField(
        "依托单位类型",
        validate_choice=False,
        choices=[SelectChoice("", "请选择")] + [SelectChoice(k.value, v) for k, v in HOST_TYPE_LABELS.items()],
    )
    district = SelectField("所属旗区", choices=[], validate_choice=False)
    office = SelectField("所属监管所", choices=[], validate_choice=False)
    address = StringField("地址")
    latitude = StringField("纬度（WGS-84）", render_kw={"inputmode": "decimal", "placeholder": "如 39.82"})
    longitude = StringField("经度（WGS-84）", render_kw={"inputmode": "decimal", "placeholder": "如 109.96"})
    head_name = StringField("负责人")
    phone = StringField("联系电话", render_kw={"inputmode": "tel"})
    staff_full_time = StringField("专职人数", default="0", render_kw={"inputmode": "numeric"})
    staff_part_time = StringField("兼职人数", default="0", render_kw={"inputmode": "numeric"})
    established_on = StringField("成立日期", render_kw={"type": "date"})
    is_odr = BooleanField("ODR企业（在线消费纠纷解决）", false_values=FALSE_VALUES)
    # Not drawn on the page: only the city's confirmation sets 示范站. A value posted anyway reaches the use case,
    # which refuses a change with a message rather than dropping it unseen.
    is_demonstration = StringField("示范站")
    status = SelectField(
        "状态", validate_choice=False, choices=[SelectChoice(k.value, v) for k, v in STATUS_LABELS.items()]
    )
    notes = TextAreaField("备注")

    def raw(self) -> dict[str, Any]:
        """The submitted values, keyed by station field."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}

    def show(self, error: Invalid) -> None:
        """Attach a use case's field errors to the form's fields."""
        show_errors(self, error)


def uploaded(field: Any, limit: int) -> bytes | None:
    """The bytes of a file field's upload, read up to one byte past `limit` (so that a larger file is told apart
    from one just at it); None when no file was chosen."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.read(limit + 1)
