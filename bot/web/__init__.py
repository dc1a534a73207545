"""Web pages served by the app beside the channels (the staff console, ``bot.web.staff``)."""
