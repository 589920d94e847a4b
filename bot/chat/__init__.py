"""Chat: a message in, a reply out, whatever the front end (terminal chat, `ask`, Telegram).

In: the text a person sent, and the conversation it belongs to. Out: a `Reply` (`replies.reply_to`), which says
what kind of reply it is and holds what it shows, and its rendering as messages (`texts.render`).

Inside: what a message asks for (`smalltalk`, `languages`, and the conversation's topic: `topics`, `followups`),
the reply decided once for every front end (`replies`), `ask --json` lines (`ask_lines`), and what readers read:
the replies (`texts`), the introductions (`help`), and the one place HTML is built and escaped (`html`).
"""
