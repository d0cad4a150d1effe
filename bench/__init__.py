"""`python -m bench`: the bot's performance, measured in-process against a fake Bot API.

Not part of the installed packages: run it from the repository root. See bench/__main__.py.
"""
