"""Chat: a message in, a reply out, whatever the front end (terminal chat, `ask`, Telegram).

In: the text a person sent, and the conversation it belongs to. Out: a `Reply` (`replies.reply_to`), which says
what kind of reply it is and holds what it shows (rendered as messages by `bot.messages.render`).

Inside: what a message asks for (`smalltalk`, `languages`, and the conversation's topic: `topics`, `followups`),
the reply decided once for every front end (`replies`) and `ask --json` lines (`ask_lines`).
"""
