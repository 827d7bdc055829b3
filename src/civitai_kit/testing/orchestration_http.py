"""How the fake orchestrator answers over HTTP, for the v2 routes (``orchestration``) and the v1 routes
(``orchestration_v1``) alike: the Bearer guard, ``ProblemDetails`` errors, route registration and the
request helpers both API versions read their inputs with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from civitai_kit.testing.keys import bearer_token
from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.orchestration_data import PROBLEM_JSON, problem
from civitai_kit.testing.orchestration_state import FakeOrchestrator
from civitai_kit.testing.server import FakeCivitai

Handler = Callable[[FakeRequest], FakeResponse]
T = TypeVar("T")


class ApiProblem(Exception):
    """Raised inside a handler to answer with a ``ProblemDetails`` body."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.body = problem(status, title, detail, **extra)
        self.status = status


def problem_response(status: int, title: str, detail: str, **extra: Any) -> FakeResponse:
    return FakeResponse.json(problem(status, title, detail, **extra), status, {"Content-Type": PROBLEM_JSON})


def unauthorized(request: FakeRequest) -> FakeResponse:
    """The 401 for a missing or refused key.

    Body: a ``ProblemDetails``, the 401 response the v2 consumer operations declare in the orchestration
    OpenAPI document (``civitai_kit/sdk/openapi/v2-consumer-openapi.json``; v1 declares none), sent as
    ``application/problem+json`` like the orchestrator's other problems. Header: ``WWW-Authenticate``, which
    RFC 9110 §15.5.2 requires on a 401, in the RFC 6750 form for the spec's ``http``/``bearer`` scheme
    (``error="invalid_token"`` when a token was sent). No recorded 401 exists to confirm either; the detail
    never repeats the token.
    """
    if bearer_token(request):
        detail, challenge = "The Bearer token is not valid.", 'Bearer error="invalid_token"'
    else:
        detail, challenge = "A valid Bearer token is required.", "Bearer"
    headers = {"Content-Type": PROBLEM_JSON, "WWW-Authenticate": challenge}
    return FakeResponse.json(problem(401, "Unauthorized", detail), 401, headers)


def guarded(fake: FakeOrchestrator, handler: Handler) -> Handler:
    """Require an accepted Bearer key (``fake.accepts``), hold the state lock, and turn ``ApiProblem`` into
    its response."""

    def handle(request: FakeRequest) -> FakeResponse:
        if not fake.accepts(request):
            return unauthorized(request)
        try:
            with fake.lock:
                return handler(request)
        except ApiProblem as exc:
            return FakeResponse.json(exc.body, exc.status, {"Content-Type": PROBLEM_JSON})

    return handle


Route = Callable[[str, str], Callable[[Handler], Handler]]


def router(server: FakeCivitai, guard: Callable[[Handler], Handler]) -> Route:
    """A decorator factory registering guarded handlers: ``@route("GET", "/v2/…")``."""

    def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            server.add_route(method, pattern, guard(handler))
            return handler

        return register

    return route


def found(table: Mapping[str, T], key: str, what: str) -> T:
    """``table[key]``, or a 404 ``ProblemDetails`` naming what was not found."""
    value = table.get(key)
    if value is None:
        raise ApiProblem(404, "Not Found", f"{what} {key} was not found.")
    return value


def json_body(request: FakeRequest) -> Any:
    try:
        return request.json()
    except ValueError:
        raise ApiProblem(400, "Bad Request", "The request body is not valid JSON.") from None


def spec_body(request: FakeRequest, schema: str) -> Any:
    """The JSON body, checked against component ``schema`` of the v2 spec (``""``: a bare JSON string).

    A body the spec rejects is a 400 ``ProblemDetails`` with ``errors`` by field (``steps[0].input.width``),
    as the orchestrator answers."""
    # Optional dependency: jsonschema (the ``sandbox`` extra); the pytest plugin imports these routes and
    # must stay standard-library only until a body is checked.
    from civitai_kit.testing.openapi_contract import v2_contract

    body = json_body(request)
    contract = v2_contract()
    validator = contract.validator(schema) if schema else contract.inline_validator({"type": "string"})
    errors = contract.field_errors(validator, body)
    if errors:
        detail = f"The request body is not a valid {schema}."
        raise ApiProblem(400, "One or more validation errors occurred.", detail, errors=errors)
    return body


def flag(request: FakeRequest, name: str) -> bool:
    return request.query.get(name, "false").lower() == "true"


def wait_seconds(request: FakeRequest) -> int:
    try:
        return int(request.query.get("wait", "0"))
    except ValueError:
        raise ApiProblem(400, "Bad Request", "wait must be an integer number of seconds.") from None
