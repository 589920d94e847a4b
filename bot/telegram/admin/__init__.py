"""Admin: the commands of the bot's admins, on Telegram only (in a private chat with the bot).

In: an admin's command, file, pasted text, page address or forwarded post, and button presses. Out: documents
added or removed, settings changed, reports; replies in the admins' own texts (`texts`).

Inside: who may (`access`), the one table of commands from which handlers, menu and /help are made (`commands`),
the commands by concern (`documents`; `reports` for usage, the threshold and synonyms), and reading a command's
number (`arguments`).
"""

from bot.telegram.admin.commands import COMMANDS, NAMES, handlers, help_text, publish_admin_menu

__all__ = ["COMMANDS", "NAMES", "handlers", "help_text", "publish_admin_menu"]
