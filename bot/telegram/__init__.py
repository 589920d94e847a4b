"""The Telegram front end: Telegram updates in, replies sent out. Nothing below here is imported by the core.

In: updates from the Bot API (polling or a webhook). Out: messages, buttons, inline results and files sent back,
each reply decided by `bot.chat` (readers) or by the admin commands (`admin`).

Inside: the one place that wires the bot (`app`), the services every handler reaches (`context`), the readers'
handlers (`handlers`), the admins' commands (`admin`), button data (`callbacks`), the flood limit (`flood` counts,
`throttle` puts every reply path behind it), sending (`replies`, `delivery`), per-chat ordering (`ordering`) and
the /stats chart (`charts`).
"""
