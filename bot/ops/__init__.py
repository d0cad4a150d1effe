"""Running it: settings, start-up checks, backups and maintenance, health, the instance lock."""
