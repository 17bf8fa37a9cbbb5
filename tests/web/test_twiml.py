"""TwiML written by hand must be exactly what twilio's own library writes."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse

from app.content.messages import Button, Channel, InboundMessage, Reply
from app.web.twiml import address, empty_twiml, messaging_twiml, reply_text


def library_twiml(replies: tuple[Reply, ...], message: InboundMessage) -> str:
    response = MessagingResponse()
    for reply in replies:
        response.message(
            reply_text(reply),
            to=address(message.channel, message.sender),
            from_=address(message.channel, message.recipient),
        )
    return str(response)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(), max_size=3),
    titles=st.lists(st.text(min_size=1, max_size=20), max_size=3),
    sender=st.text(max_size=20),
    whatsapp=st.booleans(),
)
def test_twiml_is_byte_for_byte_what_twilios_library_writes(
    texts: list[str], titles: list[str], sender: str, whatsapp: bool
) -> None:
    buttons = tuple(Button(payload=f"p{i}", title=t) for i, t in enumerate(titles))
    replies = tuple(Reply(text, buttons if i == 0 else ()) for i, text in enumerate(texts))
    message = InboundMessage(
        channel=Channel.WHATSAPP if whatsapp else Channel.SMS,
        sender=sender,
        recipient='+1415"&<5238886>\t\r\n',
        body="",
        message_sid="SM" + "0" * 32,
        received_at=datetime(2026, 11, 25, tzinfo=UTC),
    )
    assert messaging_twiml(replies, message) == library_twiml(replies, message)


def test_no_replies_is_an_empty_response() -> None:
    assert empty_twiml() == str(MessagingResponse())
