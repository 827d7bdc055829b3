# Written by scripts/export_stubs.py from _EXPORTS in __init__.py: edit the table there, then rerun it.
from civitai_kit.testing.hostile._exchange import Exchange, HostileRequest, LinkState
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
    "LinkState",
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
