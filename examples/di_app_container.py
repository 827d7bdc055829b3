"""Mount civitai-kit into your application's own dependency-injector container and inject its clients.

This is the Python form of CivitaiSharp's ``services.AddCivitaiApi(configuration)``: the application keeps
one ``Configuration``; ``add_civitai_api`` binds its ``CivitaiApi`` section into a validated
``CivitaiApiOptions`` and exposes every client as ``Application.civitai.<provider>``.

Run: ``python examples/di_app_container.py`` (uses the sandbox when no Civitai key or URL is configured).
"""

from __future__ import annotations

from _sandbox import civitai_options
from dependency_injector import containers, providers
from dependency_injector.wiring import Provide, inject

from civitai_kit import CivitaiClient, add_civitai_api
from civitai_kit.core import ModelSort


class Application(containers.DeclarativeContainer):
    config = providers.Configuration()


# Mount on the class, before it is instantiated: wiring maps providers against the class.
add_civitai_api(Application, Application.config)


@inject
def most_downloaded(count: int, client: CivitaiClient = Provide[Application.civitai.core_client]) -> list[str]:
    page = client.models.order_by(ModelSort.MOST_DOWNLOADED).execute(limit=count).unwrap()
    return [f"{model.id}: {model.name}" for model in page.items]


def main() -> None:
    with civitai_options() as options:
        app = Application()
        # Any configuration source works here (from_json, from_yaml, from_env ...); keys bind like .NET's.
        app.config.from_dict({"CivitaiApi": {"BaseUrl": options.base_url, "TimeoutSeconds": 60}})
        app.wire(modules=[__name__])
        try:
            bound = app.civitai.options()
            print(f"Bound options: {bound.timeout_seconds} s timeout, base URL {bound.base_url}")
            for line in most_downloaded(3):
                print("  ", line)
        finally:
            app.unwire()
            app.shutdown_resources()  # closes every HTTP client the container opened


if __name__ == "__main__":
    main()
