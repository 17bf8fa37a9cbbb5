"""The conversation core: plain Python, no Flask, no Twilio, no Redis.

Adapters at the edge translate Twilio's webhook into an :class:`InboundMessage`,
hand it to a :class:`~app.conversation.turns.TurnRunner`, and render the
resulting :class:`Reply` objects as TwiML.
"""
