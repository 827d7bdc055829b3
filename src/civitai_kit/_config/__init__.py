"""Configuration plumbing behind [`civitai_kit.options`][].

``keys`` spells configuration keys the .NET way, ``binder`` maps them onto the options' snake_case fields,
``sources`` reads each place configuration can come from, ``errors`` turns validation failures into one
readable [`ConfigurationError`][civitai_kit.errors.ConfigurationError], and ``user_secrets`` is the
per-user secrets file.
"""
