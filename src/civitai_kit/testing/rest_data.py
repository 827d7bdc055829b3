"""The catalogue the fake REST API serves: real Civitai models plus deterministic clones of them.

``RestData.sample()`` loads the real bodies under ``testing/data/templates`` (provenance in
``testing/data/SOURCES.md``) and grows them into a catalogue big enough to page through, keeping every
template's era-specific shape. Tests that need exact contents build their own with
``RestData.from_models([...])``. The data is plain JSON (dicts in wire format); the routes in
[`civitai_kit.testing.rest`][] shape it per endpoint.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
import random
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, TypeVar

__all__ = ["FakeModelFile", "RestData", "browsing_level_of", "file_content"]

JSON = dict[str, Any]
T = TypeVar("T")

_TYPES = [
    "LORA", "Checkpoint", "TextualInversion", "LoCon", "DoRA", "Controlnet", "VAE", "Upscaler", "Hypernetwork",
    "MotionModule", "Poses", "Wildcards", "Workflows", "Detection", "Other",
]  # fmt: skip
_BASE_MODELS = [
    "SD 1.5", "SDXL 1.0", "Pony", "Illustrious", "Flux.1 D", "Flux.1 S", "SD 3.5", "NoobAI", "Wan Video 14B t2v",
]  # fmt: skip
_VARIANTS = [
    "Remix", "XL", "Lite", "Turbo", "Anime", "Realistic", "Portrait", "Style", "Detail", "Cinematic", "Pastel",
    "Noir", "Ink", "Watercolor", "Pixel", "Concept", "Retro", "Neon", "Soft", "Sharp",
]  # fmt: skip
_EXTRA_USERS = ["aurora_ml", "pixel_forge", "lumen_lab", "quietgarden", "kitsune_ai", "vector_vale", "oak_and_ash"]
_EXTRA_TAGS = ["portrait", "landscape", "anime", "photorealistic", "concept art", "clothing", "fantasy", "sci-fi"]
_LABELS = {"None": 1, "Soft": 2, "Mature": 4, "X": 8, "Blocked": 32}
_ECOSYSTEMS = {"SD 1": "sd1", "SDXL": "sdxl", "Pony": "sdxl", "Illustrious": "sdxl", "NoobAI": "sdxl", "Flux": "flux1"}
_AIR_TYPES = {"TextualInversion": "embedding", "LoCon": "lycoris", "DoRA": "lycoris", "Controlnet": "controlnet"}
_NOW = datetime(2025, 8, 1, tzinfo=UTC)
_START = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Pinned:
    """A sandbox model with fixed ids, so the ids the README and the docs use answer offline."""

    model_id: int
    name: str
    type: str
    base_model: str
    version_ids: tuple[int, ...]
    file_ids: tuple[int, ...]
    """One per version, in order; ``training_data`` adds a ``Training Data`` file to the first version."""
    training_data_file_id: int | None = None


DOCUMENTED = (
    Pinned(4201, "Realistic Vision", "Checkpoint", "SD 1.5", (130072, 245598), (130050, 245600)),
    Pinned(4384, "DreamShaper", "Checkpoint", "SD 1.5", (128713,), (128600,)),
    Pinned(328553, "Castle Architecture XL", "LORA", "SDXL 1.0", (368189,), (290640,), training_data_file_id=290641),
)
"""Every model id, version id and file id the README and ``docs/`` name (``4201``, ``130072``, ``128713``,
``368189``, file ``290640``) and a LoRA that ``--query castle --type LORA --base-model "SDXL 1.0"`` finds."""


def browsing_level_of(image: JSON) -> int:
    """An image's numeric level in any era's shape (``nsfwLevel`` int, else the ``nsfw`` label/bool)."""
    level = image.get("nsfwLevel")
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    label = image.get("nsfw")
    if isinstance(label, bool):
        return 4 if label else 1
    return _LABELS.get(str(label), 1)


def file_content(file_id: int, size: int = 4096) -> bytes:
    """The bytes a generated model file has (so a fake download can serve something that verifies)."""
    seed = hashlib.sha256(f"civitai-kit fake model file {file_id}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


@dataclass(frozen=True)
class FakeModelFile:
    """A generated file: where it belongs, its wire record and its content."""

    model_id: int
    version_id: int
    file: JSON
    content: bytes

    @property
    def scanned(self) -> bool:
        """Whether Civitai has hashed the file: one still waiting for its scan has no hashes, so no by-hash
        lookup can find it (the real catalogue has such files; the sandbox keeps them)."""
        return bool((self.file.get("hashes") or {}).get("SHA256"))


@dataclass
class RestData:
    """Everything the fake REST endpoints answer from. Mutate it freely in a test before requests arrive."""

    models: list[JSON]
    images: list[JSON] = field(default_factory=list)
    favorites: set[int] = field(default_factory=set)
    """Model ids in the authenticated user's favourites (``favorites=true``)."""
    hidden: set[int] = field(default_factory=set)
    """Model ids the authenticated user hid (``hidden=true``)."""
    from_platform: set[int] = field(default_factory=set)
    """Model ids trained on Civitai (``fromPlatform``)."""
    checkpoint_types: dict[int, str] = field(default_factory=dict)
    """Model id → ``Trained``/``Merge`` for checkpoints (``checkpointType``)."""
    api_keys: frozenset[str] | None = None
    """Accepted bearer tokens; ``None`` accepts any non-blank token."""
    current_user: JSON = field(
        default_factory=lambda: {"id": 4_242, "username": "sandbox_user", "tier": "free", "status": "active"}
    )
    """What ``/me`` answers for an accepted key."""
    now: datetime = _NOW
    """"Now" for ``period`` filters, so results do not drift with the calendar."""
    generated_files: list[FakeModelFile] = field(default_factory=list)
    hash_aliases: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Recorded hash (upper case) → ``(hash type, version id)``: the real hashes of the real templates, whose
    files are served with generated bytes (and listed with the hashes of those)."""

    # -- construction ------------------------------------------------------------------------------------

    @classmethod
    def sample(cls, clones: int = 220, seed: int = 20250801) -> RestData:
        """The 20 real template models plus ``clones`` generated ones, and images derived from them.

        Each call returns its own copy to mutate: the catalogue is built once per process (seconds of work;
        every sandbox and REST test server starts from it, kept pickled) and unpickled in a fraction of that."""
        copied: RestData = pickle.loads(_built_sample(clones, seed))
        return copied

    @classmethod
    def _build(cls, clones: int, seed: int) -> RestData:
        rng = random.Random(seed)
        templates = load_templates()
        builder = _Catalogue(rng)
        models = [builder.keep(template) for template in templates]
        models += [builder.clone(templates[i % len(templates)], i) for i in range(clones)]
        models += [builder.pinned(templates, pin) for pin in DOCUMENTED]
        data = cls(models=models, generated_files=builder.files, hash_aliases=builder.hash_aliases)
        data.images = derive_images(models, rng, load_metas())
        ids = [m["id"] for m in models]
        data.favorites = set(rng.sample(ids, k=min(12, len(ids))))
        data.hidden = set(rng.sample(ids, k=min(5, len(ids))))
        data.from_platform = set(rng.sample(ids, k=min(30, len(ids))))
        data.checkpoint_types = {
            m["id"]: rng.choice(["Trained", "Merge"]) for m in models if m.get("type") == "Checkpoint"
        }
        return data

    @classmethod
    def from_models(cls, models: Iterable[JSON], *, with_images: bool = True, seed: int = 1) -> RestData:
        """Exactly these models (wire dicts), plus images derived from their version images."""
        items = [_copy(m) for m in models]
        images = derive_images(items, random.Random(seed), load_metas()) if with_images else []
        return cls(models=items, images=images)

    # -- lookups --------------------------------------------------------------------------------------------

    def model(self, model_id: int) -> JSON | None:
        return next((m for m in self.models if m.get("id") == model_id), None)

    def versions(self) -> Iterator[tuple[JSON, JSON]]:
        """``(model, version)`` for every version of every model."""
        for model in self.models:
            for version in model.get("modelVersions") or ():
                yield model, version

    def version(self, version_id: int) -> tuple[JSON, JSON] | None:
        return next(((m, v) for m, v in self.versions() if v.get("id") == version_id), None)

    def tag_names(self) -> list[str]:
        names: dict[str, None] = {}
        for model in self.models:
            for tag in model.get("tags") or ():
                name = tag.get("name") if isinstance(tag, dict) else tag
                if isinstance(name, str):
                    names.setdefault(name, None)
        return sorted(names, key=str.lower)

    def creators(self) -> list[JSON]:
        """``{username, image, modelCount}`` per creator, by username."""
        found: dict[str, JSON] = {}
        for model in self.models:
            creator = model.get("creator")
            if isinstance(creator, dict) and isinstance(creator.get("username"), str):
                entry = found.setdefault(creator["username"], {"username": creator["username"], "modelCount": 0})
                entry["modelCount"] += 1
                if creator.get("image"):
                    entry["image"] = creator["image"]
        return [found[name] for name in sorted(found, key=str.lower)]

    def user_id(self, username: str) -> int:
        """A stable fake user id for a username."""
        return int(hashlib.sha256(username.lower().encode()).hexdigest()[:7], 16)

    def fake_files(self) -> list[FakeModelFile]:
        """Generated files whose hashes match [`file_content`][] (for the fake download endpoint)."""
        return list(self.generated_files)


# ------------------------------------------------------------------------------------------ templates


def _templates_root() -> Any:
    return resources.files("civitai_kit.testing").joinpath("data", "templates")


@functools.cache
def _built_sample(clones: int, seed: int) -> bytes:
    """The pristine [`RestData.sample`][] for these arguments, pickled: callers get fresh copies to mutate."""
    return pickle.dumps(RestData._build(clones, seed), pickle.HIGHEST_PROTOCOL)


def _copy(value: T) -> T:
    """A deep copy of plain data (JSON, dataclasses of it), ~3x faster than `copy.deepcopy`."""
    copied: T = pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    return copied


def _json_files(folder: str) -> list[Any]:
    root = _templates_root().joinpath(folder)
    return [json.loads(entry.read_text("utf-8")) for entry in sorted(root.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".json")]  # fmt: skip


def load_templates() -> list[JSON]:
    """The real model bodies (list items and ``/models/{id}`` bodies), each once, in a stable order."""
    models: dict[int, JSON] = {}
    for folder in ("models", "models-item", "models-id"):
        for body in _json_files(folder):
            for item in body["items"] if isinstance(body, dict) and "items" in body else [body]:
                models.setdefault(item["id"], item)
    return list(models.values())


def load_metas() -> list[JSON]:
    """Every real, non-empty, flat generation ``meta`` in the templates."""
    metas: list[JSON] = []
    bodies = [*load_templates(), *_json_files("model-versions-id"), *_json_files("images")]

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            meta = value.get("meta")
            if isinstance(meta, dict) and meta.get("prompt"):
                metas.append(meta)
            for child in value.values():
                if isinstance(child, dict | list):
                    visit(child)
        elif isinstance(value, list):
            for child in value:
                visit(child)

    visit(bodies)
    return metas


# ------------------------------------------------------------------------------------------ generation


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def published_at(version: JSON) -> datetime | None:
    return _parse_iso(version.get("publishedAt")) or _parse_iso(version.get("createdAt"))


def air_for(model: JSON, version: JSON) -> str:
    base = str(version.get("baseModel") or "")
    ecosystem = next((eco for prefix, eco in _ECOSYSTEMS.items() if base.startswith(prefix)), "other")
    kind = _AIR_TYPES.get(str(model.get("type")), str(model.get("type") or "other").lower())
    return f"urn:air:{ecosystem}:{kind}:civitai:{model['id']}@{version['id']}"


class _Catalogue:
    """Clones templates with fresh ids and plausible variations."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.files: list[FakeModelFile] = []
        self.hash_aliases: dict[str, tuple[str, int]] = {}
        self._pins: dict[str, list[int]] = {}
        self._next = {"model": 2_000_000, "version": 3_000_000, "file": 4_000_000, "image": 5_000_000}

    def _id(self, kind: str) -> int:
        if self._pins.get(kind):
            return self._pins[kind].pop(0)
        self._next[kind] += 1 + self.rng.randrange(40)
        return self._next[kind]

    def pinned(self, templates: list[JSON], pin: Pinned) -> JSON:
        """A clone of a healthy template with images, under ``pin``'s ids, name, type and base model."""
        template = _copy(
            next(
                t for t in templates
                if not t.get("mode") and len(t.get("modelVersions") or ()) >= len(pin.version_ids)
                and all(v.get("files") and v.get("images") and v.get("availability") != "EarlyAccess"
                        for v in t["modelVersions"][: len(pin.version_ids)])
            )
        )  # fmt: skip
        versions = template["modelVersions"] = template["modelVersions"][: len(pin.version_ids)]
        stem = re.sub(r"\W+", "", pin.name.title())
        for position, version in enumerate(versions):
            name = f"{stem}_v{len(versions) - position}.safetensors"
            version["files"] = [dict(version["files"][0], primary=True, type="Model", name=name)]
        if pin.training_data_file_id is not None:
            extra = dict(versions[0]["files"][0], primary=False, type="Training Data", name="training-data.zip")
            extra["downloadUrl"] = "https://civitai.com/api/download/models/0?type=Training%20Data"
            versions[0]["files"].append(extra)
        file_ids = list(pin.file_ids)
        if pin.training_data_file_id is not None:
            file_ids.insert(1, pin.training_data_file_id)
        self._pins = {"model": [pin.model_id], "version": list(pin.version_ids), "file": file_ids}
        try:
            model = self.clone(template, pin.model_id)
        finally:
            self._pins = {}
        model.update(name=pin.name, type=pin.type, mode=None)
        model.pop("mode")
        for version in model["modelVersions"]:
            version["baseModel"] = pin.base_model
            version.pop("availability", None)
            if "air" in version:
                version["air"] = air_for(model, version)
        return model

    def keep(self, template: JSON) -> JSON:
        """A real model as recorded, made downloadable: image ids are filled in (``/models/{id}`` bodies have
        none) and each file gets generated bytes, with the hashes of those bytes. The recorded hashes stay
        resolvable by hash (``hash_aliases``), so a real hash still finds its real version."""
        model = _copy(template)
        for version in model.get("modelVersions") or ():
            for image in version.get("images") or ():
                image.setdefault("id", self._id("image"))
            for file in version.get("files") or ():
                for algorithm, value in (file.get("hashes") or {}).items():
                    if isinstance(value, str) and value:
                        self.hash_aliases.setdefault(value.upper(), (algorithm, version["id"]))
                self._generate_file(model, version, file)
        return model

    def clone(self, template: JSON, index: int) -> JSON:
        rng = self.rng
        model = _copy(template)
        model["id"] = self._id("model")
        model["name"] = f"{template.get('name', 'Model')} {rng.choice(_VARIANTS)} {index + 1}"
        model["type"] = _TYPES[index % len(_TYPES)]
        if "creator" in model and index % 25 != 7:
            users = [*_EXTRA_USERS, str((model.get("creator") or {}).get("username") or "civitai_user")]
            model["creator"] = {"username": rng.choice(users), "image": model["creator"].get("image")}
        tags = rng.sample([*_EXTRA_TAGS, "style", "character", "base model", "concept"], k=rng.randint(1, 4))
        model["tags"] = (
            [{"name": t} for t in tags] if template.get("tags") and isinstance(template["tags"][0], dict) else tags
        )
        if isinstance(model.get("stats"), dict):
            self._vary_stats(model["stats"])
        start = _START + timedelta(minutes=rng.randrange(60 * 24 * 900))
        for position, version in enumerate(model.get("modelVersions") or ()):
            self._clone_version(model, version, start - timedelta(days=40 * position))
        return model

    def _vary_stats(self, stats: JSON) -> None:
        for key, value in stats.items():
            if isinstance(value, int) and not isinstance(value, bool):
                stats[key] = self.rng.randrange(0, 50_000 if key == "downloadCount" else 2_000)
            elif isinstance(value, float):
                stats[key] = round(self.rng.uniform(3.5, 5.0), 2)

    def _clone_version(self, model: JSON, version: JSON, published: datetime) -> None:
        rng = self.rng
        version["id"] = self._id("version")
        version["baseModel"] = rng.choice(_BASE_MODELS)
        if "modelId" in version:
            version["modelId"] = model["id"]
        for key in ("publishedAt", "createdAt", "updatedAt"):
            if version.get(key):
                version[key] = _iso(published)
        if version.get("downloadUrl"):
            version["downloadUrl"] = f"https://civitai.com/api/download/models/{version['id']}"
        if isinstance(version.get("stats"), dict):
            self._vary_stats(version["stats"])
        for file in version.get("files") or ():
            self._clone_file(model, version, file)
        for image in version.get("images") or ():
            image_id = self._id("image")
            if isinstance(image.get("url"), str):
                image["url"] = re.sub(r"/\d+(\.\w+)$", rf"/{image_id}\1", image["url"])
            image["id"] = image_id
        if "air" in version:
            version["air"] = air_for(model, version)

    def _clone_file(self, model: JSON, version: JSON, file: JSON) -> None:
        file["id"] = self._id("file")
        name = file.get("name")
        if isinstance(name, str) and name in self._names_in(model, version):  # each version's file its own name
            stem, dot, extension = name.rpartition(".")
            file["name"] = f"{stem}_v{version['id']}.{extension}" if dot else f"{name}_v{version['id']}"
        self._generate_file(model, version, file)

    @staticmethod
    def _names_in(model: JSON, version: JSON) -> set[str]:
        """File names of the model's versions other than ``version`` (already cloned ones included)."""
        return {
            str(f.get("name"))
            for other in model.get("modelVersions") or ()
            if other is not version
            for f in other.get("files") or ()
        }

    def _generate_file(self, model: JSON, version: JSON, file: JSON) -> None:
        """Bytes for ``file``, and the size, hashes and download URL that agree with them."""
        content = file_content(file["id"], 2048 + self.rng.randrange(4096))
        file["sizeKB"] = len(content) / 1024
        if file.get("hashes"):  # a pending scan keeps its empty hashes
            file["hashes"] = civitai_hashes(content)
        url = str(file.get("downloadUrl") or "")
        query = url.partition("?")[2]
        file["downloadUrl"] = f"https://civitai.com/api/download/models/{version['id']}" + (
            f"?{query}" if query else ""
        )
        self.files.append(FakeModelFile(model["id"], version["id"], file, content))


def civitai_hashes(content: bytes) -> dict[str, str]:
    """The hashes Civitai stores for ``content``, in its own format (CRC32 in Civitai's byte order).

    BLAKE3 is included when the ``blake3`` package (the ``tools`` extra) is installed; the sandbox itself
    needs only the standard library, and Civitai also leaves BLAKE3 out for many files.
    """
    sha256 = hashlib.sha256(content).hexdigest().upper()
    hashes = {
        "AutoV2": sha256[:10],
        "SHA256": sha256,
        "CRC32": zlib.crc32(content).to_bytes(4, "little").hex().upper(),
    }
    try:
        from blake3 import blake3
    except ImportError:
        return hashes
    hashes["BLAKE3"] = blake3(content).hexdigest().upper()
    return hashes


def derive_images(models: list[JSON], rng: random.Random, metas: list[JSON]) -> list[JSON]:
    """``/images`` items (current shape) for every version image of ``models``."""
    images: list[JSON] = []
    tag_ids: dict[str, int] = {}
    post_id = 7_000_000
    for model in models:
        creator = (model.get("creator") or {}).get("username") or "civitai"
        names = [t.get("name") if isinstance(t, dict) else t for t in model.get("tags") or ()]
        for version in model.get("modelVersions") or ():
            post_id += 1 + rng.randrange(9)
            created = published_at(version) or _NOW
            for position, image in enumerate(version.get("images") or ()):
                if "id" not in image:
                    continue
                level = browsing_level_of(image)
                meta = image.get("meta") if isinstance(image.get("meta"), dict) else None
                if meta is None and metas and rng.random() < 0.8:
                    meta = dict(rng.choice(metas))
                    meta["seed"] = rng.randrange(2**32) if rng.random() < 0.9 else rng.randrange(2**47)
                if meta is not None and rng.random() < 0.3:
                    meta["civitaiResources"] = [
                        {"type": "checkpoint", "modelVersionId": version["id"], "modelVersionName": version.get("name")}
                    ]
                label = next((name for name, bit in _LABELS.items() if bit >= level), "X")
                images.append(
                    {
                        "id": image["id"],
                        "url": image.get("url"),
                        "hash": image.get("hash"),
                        "width": image.get("width"),
                        "height": image.get("height"),
                        "nsfwLevel": "X" if level >= 8 and level < 32 else label,
                        "type": image.get("type", "image"),
                        "nsfw": level > 1,
                        "browsingLevel": level,
                        "createdAt": _iso(created + timedelta(minutes=position)),
                        "postId": post_id,
                        "stats": {
                            "cryCount": rng.randrange(5),
                            "laughCount": rng.randrange(10),
                            "likeCount": rng.randrange(500),
                            "dislikeCount": 0,
                            "heartCount": rng.randrange(300),
                            "commentCount": rng.randrange(20),
                        },
                        "meta": meta,
                        "username": creator,
                        "baseModel": version.get("baseModel"),
                        "modelVersionIds": [version["id"]],
                        "tags": [
                            {"id": tag_ids.setdefault(name, 100 + len(tag_ids)), "name": name}
                            for name in names
                            if isinstance(name, str)
                        ],
                        "_modelId": model["id"],
                    }
                )
    return images
