"""A hostile-server test kit: a loopback HTTP server that misbehaves on purpose, a probe that runs one client
call against it with a hard bound, and a seeded fault-storm runner.

    from civitai_kit.testing.hostile import HostileServer, Misbehaviour, Phase, ClientMode, probe, run_storm

    with HostileServer() as server:
        server.always("/api/v1/models/1", Misbehaviour.retry_after("1e15", status=429))
        options = CivitaiApiOptions.isolated(base_url=server.url, api_key="test-key")
        outcome = probe(ClientMode.SYNC_HTTPX, options, lambda client: client.models.get_by_id(1))
        assert outcome.typed and not outcome.leaks("test-key")

Names are imported on first use; clients are imported when a probe needs them.
"""

from __future__ import annotations

from civitai_kit._lazy import exports

_EXPORTS = {
    "civitai_kit.testing.hostile.server": ("HostileServer", "KitError"),
    "civitai_kit.testing.hostile.misbehaviours": ("BrokenLink", "ChangingFile", "Misbehaviour", "Phase"),
    "civitai_kit.testing.hostile._exchange": ("Exchange", "HostileRequest", "LinkState"),
    "civitai_kit.testing.hostile._payloads": ("StreamedBody", "brotli_available"),
    "civitai_kit.testing.hostile.harness": ("TEST_KEY", "Harness"),
    "civitai_kit.testing.hostile.probe": (
        "ClientMode",
        "LogCapture",
        "Outcome",
        "OutcomeKind",
        "classify",
        "classify_exception",
        "log_leaks",
        "probe",
        "run_guarded",
    ),
    "civitai_kit.testing.hostile.operations": (
        "UNIVERSAL_BODY",
        "WORKFLOW_BODY",
        "NotAResultError",
        "Operation",
        "core_operations",
        "in_sequence",
        "sdk_operations",
    ),
    "civitai_kit.testing.hostile.storm": (
        "StormCall",
        "StormMix",
        "StormOperation",
        "StormReport",
        "report_json",
        "run_storm",
        "storm_core_operations",
        "storm_sdk_operations",
    ),
}
"""Each public name once, with its module (``__init__.pyi`` is written from it by ``scripts/export_stubs.py``)."""

__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)
