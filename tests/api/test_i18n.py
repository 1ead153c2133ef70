"""Accept-Language picks English or Simplified Chinese messages; error codes stay the same."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "text"), [("en", "Cannot cancel a finished task"), ("zh-hans", "无法取消已完成的任务")])
def test_conflict_message_follows_accept_language(owner, demo_files, language, text):
    task_id = owner.post("/api/data-sync/single", {"file_id": demo_files[0].pk}, format="json").json()["data"]["task_id"]
    owner.delete(f"/api/data-sync/cancel-task/{task_id}")

    body = owner.delete(f"/api/data-sync/cancel-task/{task_id}", HTTP_ACCEPT_LANGUAGE=language).json()

    assert body["error"]["code"] == 4202  # the predecessor's numeric code (issue 15)
    assert text in body["message"]


def test_validation_message_and_suggestion_in_chinese(owner):
    body = owner.post("/api/data-sync/single", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["error"]["code"] == 4202
    assert body["message"] != "Some fields are invalid."
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["recovery_suggestion"])


def test_default_language_is_english(owner):
    body = owner.post("/api/data-sync/single", {}, format="json").json()

    assert body["message"] == "Some fields are invalid."
