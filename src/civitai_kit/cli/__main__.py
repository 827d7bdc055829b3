"""``python -m civitai_kit.cli``: the same as the ``civitai`` command."""

from civitai_kit.cli import main

main()
