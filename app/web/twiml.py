"""Replies -> TwiML. The reply leaves from the number the customer wrote to."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse

from app.conversation.model import Channel, InboundMessage, Reply


def address(channel: Channel, number: str) -> str:
    return f"whatsapp:{number}" if channel is Channel.WHATSAPP else number


def reply_text(reply: Reply) -> str:
    """The text with its choices as a numbered list (typing a number or a label works)."""
    if not reply.buttons:
        return reply.text
    lines = [reply.text, ""]
    lines += [f"{i}. {button.title}" for i, button in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


def messaging_twiml(replies: tuple[Reply, ...], message: InboundMessage) -> str:
    response = MessagingResponse()
    for reply in replies:
        response.message(
            reply_text(reply),
            to=address(message.channel, message.sender),
            from_=address(message.channel, message.recipient),
        )
    return str(response)


def empty_twiml() -> str:
    return str(MessagingResponse())
