"""What a workflow submission is made of: steps and workflow-level settings, as immutable values.

``StepTemplate`` and ``WorkflowTemplate`` are the checked, ready-to-send forms (``to_json()`` gives the
``WorkflowTemplate`` body of ``POST /v2/consumer/workflows``). The ``*Settings`` mixins give every builder
the same ``with_*`` methods for step options (name, priority, timeout, retries) and workflow options
(tags, metadata, callbacks, external id …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Self

from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.enums import BuzzAccount, CallbackEvent, Priority, UpgradeMode, WorkflowNsfwLevel, member

_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_TAGS, MAX_TAG_LENGTH = 10, 200


@dataclass(frozen=True, slots=True)
class Callback:
    """A URL the orchestrator calls on the given events (``workflow:succeeded`` …)."""

    url: str
    events: tuple[CallbackEvent, ...] = (CallbackEvent.WORKFLOW_ALL,)
    detailed: bool | None = None

    def __post_init__(self) -> None:
        check.text("callback url", self.url)
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"callback url must be an absolute http(s) URL, got {self.url!r}")
        if not self.events:
            raise ValueError("callback events must not be empty")
        object.__setattr__(self, "events", tuple(member(CallbackEvent, e, "callback event") for e in self.events))

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"url": self.url, "type": [event.value for event in self.events]}
        if self.detailed is not None:
            body["detailed"] = self.detailed
        return body


@dataclass(frozen=True, slots=True)
class StepOptions:
    name: str | None = None
    priority: Priority | None = None
    timeout: str | None = None
    retries: int | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StepTemplate:
    """One step: its ``$type`` (recipe), its ``input`` and its options."""

    type: str
    input: Mapping[str, Any]
    options: StepOptions = field(default_factory=StepOptions)

    def __post_init__(self) -> None:
        check.text("step type", self.type)
        if not isinstance(self.input, Mapping):
            raise TypeError(f"step input must be a mapping, not {type(self.input).__name__}")

    @property
    def name(self) -> str | None:
        return self.options.name

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"$type": self.type}
        options = self.options
        if options.name is not None:
            body["name"] = options.name
        if options.priority is not None:
            body["priority"] = options.priority.value
        if options.timeout is not None:
            body["timeout"] = options.timeout
        if options.retries is not None:
            body["retries"] = options.retries
        if options.metadata is not None:
            body["metadata"] = dict(options.metadata)
        body["input"] = _plain(self.input)
        return body


@dataclass(frozen=True, slots=True)
class WorkflowOptions:
    """Workflow-level settings of a submission (everything but the steps)."""

    metadata: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = ()
    callbacks: tuple[Callback, ...] = ()
    currencies: tuple[BuzzAccount, ...] = ()
    tips: tuple[float, float] | None = None
    arguments: Mapping[str, Any] | None = None
    nsfw_level: WorkflowNsfwLevel | None = None
    experimental: bool | None = None
    allow_mature_content: bool | None = None
    upgrade_mode: UpgradeMode | None = None
    ephemeral: bool | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class WorkflowTemplate:
    """A complete, checked submission. ``to_json()`` is the request body."""

    steps: tuple[StepTemplate, ...]
    options: WorkflowOptions = field(default_factory=WorkflowOptions)

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a workflow needs at least one step")
        names = [step.name for step in self.steps if step.name is not None]
        if len(names) != len(set(names)):
            raise ValueError(f"step names must be unique, got {names}")

    @property
    def external_id(self) -> str | None:
        return self.options.external_id

    def to_json(self) -> dict[str, Any]:
        options = self.options
        # ``currencies`` is required by the schema; an empty list lets the server use its default order
        # (the OpenAPI document's own example sends ``[]``).
        body: dict[str, Any] = {
            "steps": [step.to_json() for step in self.steps],
            "currencies": [currency.value for currency in options.currencies],
        }
        optional: dict[str, Any] = {
            "metadata": None if options.metadata is None else _plain(options.metadata),
            "tags": list(options.tags) or None,
            "callbacks": [callback.to_json() for callback in options.callbacks] or None,
            "tips": None if options.tips is None else {"civitai": options.tips[0], "creators": options.tips[1]},
            "arguments": None if options.arguments is None else _plain(options.arguments),
            "nsfwLevel": None if options.nsfw_level is None else options.nsfw_level.value,
            "experimental": options.experimental,
            "allowMatureContent": options.allow_mature_content,
            "upgradeMode": None if options.upgrade_mode is None else options.upgrade_mode.value,
            "ephemeral": options.ephemeral,
            "externalId": options.external_id,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body


def _plain(value: Any) -> Any:
    """Mappings and tuples as JSON-ready dicts and lists."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------- mixins


@dataclass(frozen=True, kw_only=True)
class StepSettings:
    """``with_*`` methods for one step's options."""

    step_options: StepOptions = field(default_factory=StepOptions)

    def with_name(self, name: str) -> Self:
        """Name the step so later steps can reference its output (``{"$ref": name, "path": …}``)."""
        return replace(self, step_options=replace(self.step_options, name=check.text("name", name)))

    def with_priority(self, priority: Priority | str) -> Self:
        return replace(self, step_options=replace(self.step_options, priority=member(Priority, priority, "priority")))

    def with_timeout(self, timeout: timedelta | float | str) -> Self:
        """Longest time the step may take: a ``timedelta``, seconds, or ``"hh:mm:ss"``."""
        return replace(self, step_options=replace(self.step_options, timeout=check.timespan("timeout", timeout)))

    def with_retries(self, retries: int) -> Self:
        return replace(self, step_options=replace(self.step_options, retries=check.integer("retries", retries, 0)))

    def with_step_metadata(self, metadata: Mapping[str, Any]) -> Self:
        return replace(self, step_options=replace(self.step_options, metadata=dict(metadata)))


@dataclass(frozen=True, kw_only=True)
class WorkflowSettings:
    """``with_*`` methods for workflow-level options, shared by every workflow builder."""

    options: WorkflowOptions = field(default_factory=WorkflowOptions)

    def _with(self, **changes: Any) -> Self:
        return replace(self, options=replace(self.options, **changes))

    def with_metadata(self, metadata: Mapping[str, Any] | None = None, **values: Any) -> Self:
        """Add user metadata (searchable with ``workflows.query(query=…)``)."""
        merged = {**(self.options.metadata or {}), **(metadata or {}), **values}
        return self._with(metadata=merged)

    def with_tags(self, *tags: str) -> Self:
        """Add tags (at most 10 per workflow, 200 characters each)."""
        added = check.strings("tags", tags, max_length=MAX_TAG_LENGTH)
        combined = tuple(dict.fromkeys((*self.options.tags, *added)))
        if len(combined) > MAX_TAGS:
            raise ValueError(f"tags: a workflow takes at most {MAX_TAGS} tags, got {len(combined)}")
        return self._with(tags=combined)

    def with_callback(
        self,
        url: str,
        events: Iterable[CallbackEvent | str] = (CallbackEvent.WORKFLOW_ALL,),
        *,
        detailed: bool | None = None,
    ) -> Self:
        callback = Callback(url, tuple(member(CallbackEvent, e, "events") for e in events), detailed)
        return self._with(callbacks=(*self.options.callbacks, callback))

    def with_currencies(self, *currencies: BuzzAccount | str) -> Self:
        """Limit which Buzz accounts pay, in order (default: the server's blue → green → yellow)."""
        return self._with(currencies=tuple(member(BuzzAccount, c, "currencies") for c in currencies))

    def with_tips(self, *, civitai: float = 0.0, creators: float = 0.0) -> Self:
        """Tip rates (0–2) for Civitai and for the creators of the resources used."""
        return self._with(tips=(check.number("civitai", civitai, 0, 2), check.number("creators", creators, 0, 2)))

    def with_arguments(self, arguments: Mapping[str, Any]) -> Self:
        """Values steps can reference as ``{"$ref": "$arguments", "path": …}``."""
        return self._with(arguments=dict(arguments))

    def with_nsfw_level(self, level: WorkflowNsfwLevel | str) -> Self:
        return self._with(nsfw_level=member(WorkflowNsfwLevel, level, "nsfw_level"))

    def with_experimental(self, experimental: bool = True) -> Self:
        return self._with(experimental=bool(experimental))

    def with_allow_mature_content(self, allow: bool = True) -> Self:
        return self._with(allow_mature_content=bool(allow))

    def with_upgrade_mode(self, mode: UpgradeMode | str) -> Self:
        return self._with(upgrade_mode=member(UpgradeMode, mode, "upgrade_mode"))

    def with_ephemeral(self, ephemeral: bool = True) -> Self:
        """Never persist the workflow: results only via callbacks or ``submit(wait=…)``."""
        return self._with(ephemeral=bool(ephemeral))

    def with_external_id(self, external_id: str) -> Self:
        """Idempotency key: resubmitting the same id returns the existing workflow, so such a submit may be
        retried safely (``[A-Za-z0-9_-]``, at most 128 characters)."""
        if not isinstance(external_id, str) or not _EXTERNAL_ID.fullmatch(external_id):
            raise ValueError(f"external_id must be 1-128 characters of A-Z, a-z, 0-9, '_' or '-', got {external_id!r}")
        return self._with(external_id=external_id)
