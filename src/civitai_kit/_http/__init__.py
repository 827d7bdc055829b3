"""The only package that imports httpx. Everything else sends ``ApiRequest``s through these clients."""

# first, before anything imports httpx
from civitai_kit._http import _httpx_command_line  # noqa: F401  # isort: split
from civitai_kit._http.async_client import AsyncHttpClient
from civitai_kit._http.body import BodySourceError, Progress, RequestBody
from civitai_kit._http.core import (
    PARSE_ERRORS,
    Close,
    HttpCore,
    InsecureTransportWarning,
    decode_json,
    parse_json,
    redact_url,
    shape_failure,
)
from civitai_kit._http.errors import error_from_response, parse_retry_after
from civitai_kit._http.request import ApiRequest, encode_query
from civitai_kit._http.response import Read, ReadInto, Response, StreamingResponse
from civitai_kit._http.retry import RetryPolicy, is_retryable
from civitai_kit._http.settings import USER_AGENT, ClientSettings
from civitai_kit._http.sync_client import HttpClient

__all__ = [
    "PARSE_ERRORS",
    "USER_AGENT",
    "ApiRequest",
    "AsyncHttpClient",
    "BodySourceError",
    "ClientSettings",
    "Close",
    "HttpClient",
    "HttpCore",
    "InsecureTransportWarning",
    "Progress",
    "Read",
    "ReadInto",
    "RequestBody",
    "Response",
    "RetryPolicy",
    "StreamingResponse",
    "decode_json",
    "encode_query",
    "error_from_response",
    "is_retryable",
    "parse_json",
    "parse_retry_after",
    "redact_url",
    "shape_failure",
]
