"""``python -m bench`` runs a job beside its baseline and prints one table row with a verdict (issue 13).

No figure is asserted (times depend on the machine's load): only that the command works end to end, the
row has every column, and the exit status follows the verdicts.
"""

from __future__ import annotations

import pytest

from tests.bench.bench_process import run_bench


@pytest.mark.slow
def test_bench_prints_a_row_per_job_and_exits_by_verdict() -> None:
    completed = run_bench("--quick", "--only", "cli_import")
    rows = [line for line in completed.stdout.splitlines() if line.startswith("| `civitai --help`")]
    assert len(rows) == 1, completed.stdout + completed.stderr
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert len(cells) == 9
    verdict = cells[7]
    assert verdict == "ok" or verdict.startswith("MISS")
    assert completed.returncode == (0 if verdict == "ok" else 1)
    assert "load average" in completed.stdout


@pytest.mark.slow
def test_bench_refuses_an_unknown_job() -> None:
    completed = run_bench("--only", "nonsense", timeout=60)
    assert completed.returncode == 2
    assert "--only" in completed.stderr


@pytest.mark.slow
def test_the_parse_and_overhead_jobs_run_every_row_of_the_issue() -> None:
    completed = run_bench("--quick", "--only", "parse_models", "--only", "client_overhead")
    rows = [line for line in completed.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert "did not run" not in completed.stdout, completed.stdout + completed.stderr
    jobs = [row.strip("|").split("|")[0].strip() for row in rows]
    assert [job.split(",")[-1].strip() for job in jobs[:2]] == ["lenient", "strict"]
    assert jobs[2].startswith("sync `models.get_by_id`")
    assert [job.split(",")[-1].strip() for job in jobs[3:5]] == ["httpx backend", "aiohttp backend"]
    assert jobs[5].startswith("reference: `aiohttp.ClientSession.get`")
    assert jobs[6].startswith("reference: `httpx.AsyncClient.get` over the aiohttp transport")
    assert all(row.count("|") == 10 for row in rows)


@pytest.mark.slow
def test_the_download_job_times_the_library_the_command_and_the_plain_python_floor() -> None:
    completed = run_bench("--quick", "--only", "download_throughput")
    rows = [line for line in completed.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    jobs = [row.strip("|").split("|")[0].strip() for row in rows]
    assert [job.split("(")[-1] for job in jobs[:2]] == ["sync)", "async)"], completed.stdout + completed.stderr
    assert jobs[2].startswith("`civitai download`")
    assert jobs[3:] == [
        "reference: the same verified download in plain Python",
        "reference: the same verified download in plain Python after importing httpx, pydantic_settings",
        "reference: importing httpx and pydantic_settings alone (whole process)",
        "reference: SHA-256 of the same 64 MiB alone (`hashlib.file_digest`, whole process)",
    ]
    assert "bytes exact" not in completed.stdout  # every row's file was the served one, byte for byte
