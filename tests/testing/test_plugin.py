"""The pytest plugin: fixtures work, handler crashes fail the test, loading it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

from civitai_kit.testing import FakeCivitai


def test_fixtures_direct(fake_civitai: FakeCivitai, fake_civitai_url: str) -> None:
    assert fake_civitai.running
    assert fake_civitai_url == fake_civitai.url
    assert fake_civitai.routes == [] and len(fake_civitai.requests) == 0


def test_plugin_in_a_user_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.error
        import urllib.request

        SEEN = []

        def test_serves(fake_civitai, fake_civitai_url):
            SEEN.append(fake_civitai)
            fake_civitai.add_route("GET", "/api/v1/tags", lambda r: {"items": []})
            assert urllib.request.urlopen(fake_civitai_url + "/api/v1/tags").read() == b'{"items":[]}'

        def test_fresh_server_per_test(fake_civitai):
            assert fake_civitai is not SEEN[0] and not SEEN[0].running
            assert fake_civitai.routes == []

        def test_route_crash_fails_the_test(fake_civitai):
            def broken(request):
                raise RuntimeError("route bug")
            fake_civitai.add_route("GET", "/b", broken)
            try:
                urllib.request.urlopen(fake_civitai.url + "/b")
            except urllib.error.HTTPError as error:
                assert error.code == 500

        def test_crash_acknowledged(fake_civitai):
            fake_civitai.add_route("GET", "/b", lambda r: 1 / 0)
            try:
                urllib.request.urlopen(fake_civitai.url + "/b")
            except urllib.error.HTTPError:
                pass
            assert len(fake_civitai.errors) == 1
            fake_civitai.errors.clear()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*route handlers raised*", "*GET /b raised*", "*RuntimeError: route bug*"])


@pytest.mark.slow  # a subprocess
def test_the_plugin_imports_only_the_standard_library() -> None:
    code = (
        "import sys, civitai_kit, pytest\n"
        "before = set(sys.modules)\n"
        "import civitai_kit.testing.pytest_plugin\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before if not m.startswith('civitai_kit.testing')}\n"
        "print(sorted(new - set(sys.stdlib_module_names)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_public_names() -> None:
    import civitai_kit.testing as testing

    assert testing.FakeCivitai is FakeCivitai
    assert all(hasattr(testing, name) for name in testing.__all__)
