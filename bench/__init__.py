"""Issue 13's performance table as one command: ``python -m bench`` (see ``bench/__main__.py``)."""
