"""``civitai download`` with many targets, layouts and scan results, end to end through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civitai_kit.testing.faults import Fault
from civitai_kit.testing.sandbox import Sandbox
from tests.support.batch_support import clean_primary, danger, files_under, pending

COMFYUI_FOLDERS = {
    "Checkpoint": "models/checkpoints",
    "LORA": "models/loras",
    "VAE": "models/vae",
    "TextualInversion": "models/embeddings",
}
"""One model of each everyday type, and the ComfyUI folder it belongs in."""


def test_a_comfyui_batch_puts_each_type_in_its_folder(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    wanted = COMFYUI_FOLDERS
    chosen = {kind: clean_primary(sandbox, kind) for kind in wanted}
    ids = [str(one.version_id) for one in chosen.values()]
    outcome = run("download", *ids, "--layout", "comfyui", "--root", str(tmp_path), "--json")
    assert outcome.exit_code == 0, outcome.everything
    report = outcome.json()
    assert report["ok"] is True and report["downloaded"] == 4 and report["failed"] == 0
    for kind, folder in wanted.items():
        one = chosen[kind]
        landed = tmp_path / folder / one.fake.name
        assert landed.read_bytes() == one.fake.data, kind
    assert len(files_under(tmp_path)) == 4  # no .part, .lock or meta left


def test_a1111_layout_from_the_options_and_a_per_type_override(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    lora, checkpoint = clean_primary(sandbox, "LORA"), clean_primary(sandbox, "Checkpoint")
    env = {
        "CIVITAIAPI__DOWNLOADS__LAYOUT": "forge",
        "CIVITAIAPI__DOWNLOADS__ROOT": str(tmp_path),
        "CIVITAIAPI__DOWNLOADS__LAYOUTFOLDERS__LORA": "models/Lora/civitai",
    }
    outcome = run("download", str(lora.version_id), str(checkpoint.version_id), "--json", env=env)
    assert outcome.exit_code == 0, outcome.everything
    assert (tmp_path / "models/Lora/civitai" / lora.fake.name).is_file()
    assert (tmp_path / "models/Stable-diffusion" / checkpoint.fake.name).is_file()


def test_a_danger_file_is_refused_and_leaves_nothing(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    bad = danger(sandbox)
    target = f"https://civitai.com/api/download/models/{bad.version_id}?fileId={bad.fake.file_id}"
    before = len(sandbox.downloads.storage_requests)
    outcome = run("download", target, "--dir", str(tmp_path))
    assert outcome.exit_code == 1
    assert "UNSAFE_FILE" in outcome.stderr and "--allow-unsafe" in outcome.stderr
    assert "Dangerous import detected" in outcome.stderr  # Civitai's own scan message
    assert list(tmp_path.iterdir()) == []  # not even a folder
    assert len(sandbox.downloads.storage_requests) == before  # no byte was asked for
    as_json = run("download", target, "--dir", str(tmp_path), "--json", "--all-files")
    entries = {entry["file_id"]: entry for entry in as_json.json()["files"]}
    assert entries[bad.fake.file_id]["error"]["code"] == "UNSAFE_FILE" and as_json.exit_code == 1
    assert not any(path.name == bad.fake.name for path in files_under(tmp_path))


def test_allow_unsafe_downloads_it_with_warnings(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    bad = danger(sandbox)
    target = f"https://civitai.com/api/download/models/{bad.version_id}?fileId={bad.fake.file_id}"
    outcome = run("download", target, "--dir", str(tmp_path), "--allow-unsafe", "--json")
    assert outcome.exit_code == 0, outcome.everything
    done = outcome.json()
    assert Path(done["path"]).read_bytes() == bad.fake.data
    assert any("Danger" in warning for warning in done["warnings"])
    assert any("pickle format" in warning for warning in done["warnings"])
    assert "warning:" in outcome.stderr


def test_a_pending_scan_warns(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    one = pending(sandbox)
    outcome = run("download", str(one.version_id), "--dir", str(tmp_path), "--json")
    assert outcome.exit_code == 0, outcome.everything
    assert any("Pending" in warning for warning in outcome.json()["warnings"])


def test_an_interrupted_batch_resumes_on_rerun(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    first, second = clean_primary(sandbox, "LORA"), clean_primary(sandbox, "VAE")
    cut = first.fake.size // 2
    sandbox.server.faults.sequence(f"/storage/{first.fake.key}/*", [Fault.truncate(cut), Fault.status(403)], "GET")
    targets = [str(first.version_id), str(second.version_id)]
    broken = run("download", *targets, "--layout", "comfyui", "--root", str(tmp_path), "--json")
    assert broken.exit_code == 1
    assert [entry["ok"] for entry in broken.json()["files"]] == [False, True]
    part = tmp_path / "models/loras" / (first.fake.name + ".part")
    assert part.stat().st_size == cut  # what arrived is kept for the rerun
    before = len(sandbox.downloads.storage_requests)
    again = run("download", *targets, "--layout", "comfyui", "--root", str(tmp_path), "--json")
    assert again.exit_code == 0, again.everything
    files = again.json()["files"]
    assert files[0]["resumed"] is True and files[0]["verified"] is True
    assert files[1]["already_present"] is True  # verified in place, not downloaded again
    resumed = sandbox.downloads.storage_requests[before:]
    assert len(resumed) == 1 and resumed[0].headers.get("range") == f"bytes={cut}-"
    assert (tmp_path / "models/loras" / first.fake.name).read_bytes() == first.fake.data


def test_a_list_file_with_comments_and_a_missing_model(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    good = clean_primary(sandbox, "Checkpoint")
    listing = tmp_path / "targets.txt"
    listing.write_text(f"# my models\n\n{good.version_id}\n  https://civitai.com/models/999999999  \n", "utf-8")
    outcome = run("download", "-i", str(listing), "--dir", str(tmp_path / "out"), "--json")
    assert outcome.exit_code == 1
    report = outcome.json()
    assert [entry["ok"] for entry in report["files"]] == [True, False]
    assert report["files"][1]["error"]["code"] == "NOT_FOUND"
    assert report["files"][1]["target"] == "https://civitai.com/models/999999999"  # as written in the list
    assert Path(report["files"][0]["path"]).read_bytes() == good.fake.data


def test_every_target_and_the_destination_are_checked_before_any_request(
    run: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    good = clean_primary(sandbox, "LORA")
    listing = tmp_path / "targets.txt"
    listing.write_text("\n".join([str(good.version_id)] * 999 + ["https://example.com/models/1"]) + "\n", "utf-8")
    before = len(sandbox.server.requests)
    bad_target = run("download", "-i", str(listing), "--dir", str(tmp_path / "out"))
    assert bad_target.exit_code == 2 and "targets[999]" in bad_target.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("x", "utf-8")
    bad_place = run("download", str(good.version_id), "--dir", str(a_file / "sub"))
    assert bad_place.exit_code == 2 and "a file, not a folder" in bad_place.stderr
    no_root = run("download", str(good.version_id), "--layout", "comfyui")
    assert no_root.exit_code == 2 and "Downloads:Root" in no_root.stderr
    assert len(sandbox.server.requests) == before


def test_a_thousand_targets_download_each_file_once(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    one, other = clean_primary(sandbox, "LORA"), clean_primary(sandbox, "Checkpoint")
    listing = tmp_path / "targets.txt"
    listing.write_text("\n".join([str(one.version_id), str(other.version_id)] * 500), "utf-8")
    before, asked = len(sandbox.downloads.storage_requests), len(sandbox.server.requests)
    outcome = run("download", "-i", str(listing), "--dir", str(tmp_path / "out"), "-j", "8", "--json")
    assert outcome.exit_code == 0, outcome.everything
    assert [entry["version_id"] for entry in outcome.json()["files"]] == [one.version_id, other.version_id]
    assert len(sandbox.downloads.storage_requests) - before == 2
    lookups = [r for r in list(sandbox.server.requests)[asked:] if r.path.startswith("/api/v1/model-versions/")]
    assert len(lookups) == 2  # a target given 500 times is looked up once


def test_the_file_conflict_message_names_the_flag(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    good = clean_primary(sandbox, "LORA")
    assert run("download", str(good.version_id), "--dir", str(tmp_path), "--pattern", "{FileName}").exit_code == 0
    (tmp_path / good.fake.name).write_bytes(b"something else")
    outcome = run("download", str(good.version_id), "--dir", str(tmp_path), "--pattern", "{FileName}")
    assert outcome.exit_code == 1
    assert "--overwrite" in outcome.stderr and "overwrite=True" not in outcome.stderr
    replaced = run("download", str(good.version_id), "--dir", str(tmp_path), "--pattern", "{FileName}", "--overwrite")
    assert replaced.exit_code == 0, replaced.everything


def test_all_files_and_all_versions(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    model = next(
        m
        for m in sandbox.rest.models
        if len(m.get("modelVersions") or ()) >= 2
        and m.get("mode") is None
        and all(
            f.refusal is None and not f.require_login
            for f in sandbox.downloads.files()
            if any(f.version_id == v["id"] for v in m["modelVersions"])
        )
        and all(file.get("pickleScanResult") != "Danger" for v in m["modelVersions"] for file in v.get("files") or ())
        and all(v.get("files") for v in m["modelVersions"])
    )
    expected = {(v["id"], f["id"]) for v in model["modelVersions"] for f in v["files"]}
    outcome = run(
        "download", f"https://civitai.com/models/{model['id']}", "--all-versions", "--all-files",
        "--dir", str(tmp_path), "--json",
    )  # fmt: skip
    report = outcome.json()
    assert {(entry["version_id"], entry["file_id"]) for entry in report["files"]} == expected
    assert outcome.exit_code == (0 if report["ok"] else 1)
    assert json.dumps(report)  # the whole report is JSON


def test_targets_from_stdin_and_unreadable_lists(cli: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    good = clean_primary(sandbox, "VAE")
    piped = cli("download", "-i", "-", "--dir", str(tmp_path), "--json", input=f"# from a pipe\n{good.version_id}\n")
    assert piped.exit_code == 0, piped.everything
    assert Path(piped.json()["files"][0]["path"]).read_bytes() == good.fake.data
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert cli("download", "-i", str(binary)).exit_code == 2
    assert cli("download", "-i", str(tmp_path / "missing.txt")).exit_code == 2
    assert cli("download").exit_code == 2
    both = cli("download", "1", "2", "--file-id", "3")
    assert both.exit_code == 2 and "exactly one TARGET" in both.stderr


def test_a_comfyui_batch_with_sidecars_gets_previews_and_metadata(run: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    folders = COMFYUI_FOLDERS
    picked = {kind: clean_primary(sandbox, kind) for kind in folders}
    ids = [str(one.version_id) for one in picked.values()]
    outcome = run("download", *ids, "--layout", "comfyui", "--root", str(tmp_path), "--sidecars", "--json")
    assert outcome.exit_code == 0, outcome.everything
    with_preview = 0
    for kind, one in picked.items():
        folder = folders[kind]
        stem = Path(one.fake.name).stem
        beside = {path.name for path in (tmp_path / folder).iterdir()}
        assert {one.fake.name, f"{stem}.civitai.info", f"{stem}.json", f"{stem}.civitai.json"} <= beside, beside
        info = json.loads((tmp_path / folder / f"{stem}.civitai.info").read_text(encoding="utf-8"))
        assert info["id"] == one.version_id and info["model"]["name"]
        previews = [name for name in beside if name.startswith(f"{stem}.preview.")]
        assert len(previews) <= 1  # a version with no image at or below PG13 gets none, and a warning says so
        if previews:
            with_preview += 1
        else:
            assert "no preview sidecar" in outcome.stderr
    assert with_preview  # the sandbox's versions have safe images: at least one preview lands
