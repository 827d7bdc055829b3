"""A hostile-server test kit: a loopback HTTP server that misbehaves on purpose, a probe that runs one client
call against it with a hard bound, and a seeded fault-storm runner.

    from civitai_kit.testing.hostile import HostileServer, Misbehaviour, Phase, ClientMode, probe, run_storm

    with HostileServer() as server:
        server.always("/api/v1/models/1", Misbehaviour.retry_after("1e15", status=429))
        options = CivitaiApiOptions.isolated(base_url=server.url, api_key="test-key")
        outcome = probe(ClientMode.SYNC_HTTPX, options, lambda client: client.models.get_by_id(1))
        assert outcome.typed and not outcome.leaks("test-key")

Only the standard library and ``civitai_kit.result`` are imported here; clients are imported when used.
"""

from civitai_kit.testing.hostile._exchange import Exchange, HostileRequest
from civitai_kit.testing.hostile._payloads import StreamedBody, brotli_available
from civitai_kit.testing.hostile.harness import TEST_KEY, Harness
from civitai_kit.testing.hostile.misbehaviours import BrokenLink, ChangingFile, Misbehaviour, Phase
from civitai_kit.testing.hostile.operations import (
    UNIVERSAL_BODY,
    WORKFLOW_BODY,
    NotAResultError,
    Operation,
    core_operations,
    in_sequence,
    sdk_operations,
)
from civitai_kit.testing.hostile.probe import (
    ClientMode,
    LogCapture,
    Outcome,
    OutcomeKind,
    classify,
    classify_exception,
    log_leaks,
    probe,
    run_guarded,
)
from civitai_kit.testing.hostile.server import HostileServer, KitError
from civitai_kit.testing.hostile.storm import (
    StormCall,
    StormMix,
    StormOperation,
    StormReport,
    report_json,
    run_storm,
    storm_core_operations,
    storm_sdk_operations,
)

__all__ = [
    "TEST_KEY",
    "UNIVERSAL_BODY",
    "WORKFLOW_BODY",
    "BrokenLink",
    "ChangingFile",
    "ClientMode",
    "Exchange",
    "Harness",
    "HostileRequest",
    "HostileServer",
    "KitError",
    "LogCapture",
    "Misbehaviour",
    "NotAResultError",
    "Operation",
    "Outcome",
    "OutcomeKind",
    "Phase",
    "StormCall",
    "StormMix",
    "StormOperation",
    "StormReport",
    "StreamedBody",
    "brotli_available",
    "classify",
    "classify_exception",
    "core_operations",
    "in_sequence",
    "log_leaks",
    "probe",
    "report_json",
    "run_guarded",
    "run_storm",
    "sdk_operations",
    "storm_core_operations",
    "storm_sdk_operations",
]
