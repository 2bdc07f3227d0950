"""What a user reads when a build (a district's evidence bundle, the city's report) fails: in Chinese, with what to
do; the details go to the server's log."""

from __future__ import annotations

from inspect_app.adapters.filestore import MissingFile, StoreUnreachable
from inspect_app.shared.errors import Invalid


def build_failure(error: BaseException) -> str:
    if isinstance(error, MissingFile):
        return (
            f"生成失败：一张照片的文件已丢失（{error.key}）。请联系系统管理员从备份中恢复，"
            "或请检查员删除并重新上传该照片后再生成"
        )
    if isinstance(error, StoreUnreachable):  # nothing is wrong with the files: the way to the store failed
        return "生成失败：文件存储暂时无法访问，请稍后重新生成；如果问题持续，请联系系统管理员检查文件存储"
    if isinstance(error, (Invalid, FileNotFoundError)) and any("\u4e00" <= c <= "\u9fff" for c in str(error)):
        return f"生成失败：{error}"  # our own words already
    return "生成失败：服务器生成报告时出错，请重新生成；如再次失败，请联系系统管理员查看服务器日志"
