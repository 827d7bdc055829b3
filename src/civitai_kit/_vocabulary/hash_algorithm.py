"""The hash algorithms Civitai stores for model files (public as ``civitai_kit.tools.HashAlgorithm``).

Options, core models and the tools all name them, so the names live below all three.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["HashAlgorithm"]


class HashAlgorithm(StrEnum):
    """A hash type as Civitai names it (values are Civitai's wire keys)."""

    SHA256 = "SHA256"
    SHA512 = "SHA512"
    BLAKE3 = "BLAKE3"
    CRC32 = "CRC32"
    AUTOV1 = "AutoV1"
    AUTOV2 = "AutoV2"
    AUTOV3 = "AutoV3"

    @classmethod
    def _missing_(cls, value: object) -> HashAlgorithm | None:
        # Config files and users write "sha256", "Sha256", "autov2", "auto_v2"...
        if isinstance(value, str):
            wanted = value.strip().replace("_", "").replace("-", "").casefold()
            for member in cls:
                if member.value.casefold() == wanted:
                    return member
        return None
