"""civitai-kit."""
