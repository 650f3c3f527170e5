"""Thin front doors: cli, api, worker (and the bot, later). They parse input, call one use
case and render its output; no SQL and no business rules here."""
