"""Names that several layers share, kept at the bottom so each can import them without pointing up:
the hash algorithms Civitai stores (options, core and tools) and the path-pattern tokens and syntax
(options validates patterns, tools renders them). Public through ``civitai_kit.tools`` and
``civitai_kit.options``; dependency-free."""
