"""The only package that imports httpx. Everything else sends ``ApiRequest``s through these clients."""

from civitai_kit._http.async_client import AsyncHttpClient
from civitai_kit._http.core import InsecureTransportWarning, redact_url
from civitai_kit._http.errors import error_from_response, parse_retry_after
from civitai_kit._http.request import ApiRequest, encode_query
from civitai_kit._http.response import Response, StreamingResponse
from civitai_kit._http.retry import RetryPolicy, is_retryable
from civitai_kit._http.settings import USER_AGENT, ClientSettings
from civitai_kit._http.sync_client import HttpClient

__all__ = [
    "USER_AGENT",
    "ApiRequest",
    "AsyncHttpClient",
    "ClientSettings",
    "HttpClient",
    "InsecureTransportWarning",
    "Response",
    "RetryPolicy",
    "StreamingResponse",
    "encode_query",
    "error_from_response",
    "is_retryable",
    "parse_retry_after",
    "redact_url",
]
