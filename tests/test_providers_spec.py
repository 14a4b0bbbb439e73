"""What we send and check is held against the providers' published specs and test vectors."""

from twilio.request_validator import RequestValidator

from tests.factories import Harness
from tests.fakes import spec_problems_telegram, spec_problems_twilio


def test_twilio_published_signature_vector_passes(reference_dir) -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    validator = RequestValidator("12345")
    assert validator.compute_signature(url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert validator.validate(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_spec_checks_catch_what_the_providers_refuse(reference_dir) -> None:
    assert spec_problems_telegram("sendMessage", {"text": "x"}) == ["sendMessage: missing required chat_id"]
    assert spec_problems_telegram("sendMesage", {}) == ["unknown method sendMesage"]
    assert spec_problems_twilio({"To": "whatsapp:+62811", "Body": "x"}) == [
        "needs one of ['from', 'messaging_service_sid']"
    ]


async def test_requests_sent_to_both_providers_match_their_specs(harness: Harness, reference_dir) -> None:
    await harness.telegram_says(40, "halo")
    await harness.whatsapp_says("+628400001", "halo")
    assert [c.method for c in harness.telegram.calls] == ["sendMessage"]
    message = harness.twilio.messages[0]
    assert message["From"] == "whatsapp:+14155238886" and message["To"] == "whatsapp:+628400001"
    assert message["StatusCallback"] == "https://bot.example.org/webhooks/whatsapp/status"
    # the harness fixture fails the test if either fake recorded a spec problem
    assert harness.telegram.problems == [] and harness.twilio.problems == []


async def test_set_webhook_registers_url_secret_and_allowed_updates(settings, fake_telegram, reference_dir) -> None:
    from bot.channels.telegram import set_webhook

    info = await set_webhook(settings)
    call = next(c for c in fake_telegram.calls if c.method == "setWebhook")
    assert call.params["url"] == "https://bot.example.org/webhooks/telegram"
    assert call.params["secret_token"] == "telegram-webhook-secret"
    assert call.params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert info["url"].endswith("/webhooks/telegram") and fake_telegram.problems == []
