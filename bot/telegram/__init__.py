"""The Telegram front end: application factory, handlers, callback data. Nothing below here is imported by the core."""
