"""ACP 2026-04-17 conformance: our answers checked against the spec's own JSON Schemas.

``validate`` checks one document against a ``$defs`` entry of a vendored bundle (Draft 2020-12,
formats asserted). ``checked_client`` hooks an httpx client so that EVERY answer of the ``/acp``
and ``/agentic_commerce`` endpoints and of ``/.well-known/acp.json`` is validated by operation
and status, with the protocol's headers: ``Request-Id`` and ``Idempotency-Key`` echoed,
``Idempotent-Replayed: true`` only on a replay (same status and body as the first answer),
``Retry-After`` (integer seconds) on 409 ``idempotency_in_flight``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema_rs import Draft202012
from schemathesis.generation.jsonschema.builder import build
from schemathesis.generation.jsonschema.context import Alphabet
from schemathesis.specs.openapi.formats import get_default_format_strategies

SPEC = Path(__file__).parent / "conformance" / "acp" / "2026-04-17"
SESSIONS = "/acp/checkout_sessions"
DELEGATE = "/agentic_commerce/delegate_payment"
DISCOVERY = "/.well-known/acp.json"
SAFE_INTEGER = 2**53 - 1  # I-JSON (RFC 7493): what RFC 8785 canonical JSON can represent
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
Expected = tuple[str, str]  # ($defs name, bundle)


@functools.cache
def bundle(name: str) -> dict[str, Any]:
    """A vendored bundle (``checkout``, ``webhook``, ``delegate_payment``, ``feed``), read once."""
    loaded: dict[str, Any] = json.loads((SPEC / f"{name}.schema.json").read_text("utf-8"))
    return loaded


def inlined(def_name: str, bundle_name: str = "checkout") -> dict[str, Any]:
    """``$defs/def_name`` with every ``$ref`` replaced by its target (one self-contained schema)."""
    definitions = bundle(bundle_name)["$defs"]

    def inline(node: Any, trail: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, trail) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" not in node:
            return {key: inline(value, trail) for key, value in node.items()}
        name = str(node["$ref"]).removeprefix("#/$defs/")
        assert name not in trail, f"recursive $ref {' > '.join((*trail, name))}"
        rest = {key: inline(value, trail) for key, value in node.items() if key != "$ref"}
        target = inline(definitions[name], (*trail, name))
        return {"allOf": [target, rest]} if rest else target

    found: dict[str, Any] = inline(definitions[def_name], (def_name,))
    return found


def _ijson(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _ijson(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_ijson(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return max(-SAFE_INTEGER, min(SAFE_INTEGER, value))
    return value


def spec_bodies(def_name: str, *, ijson_only: bool = False) -> st.SearchStrategy[Any]:
    """Documents valid against the checkout bundle's ``def_name`` (schemathesis' generator),
    NUL characters and numbers beyond I-JSON included unless ``ijson_only``."""
    alphabet = Alphabet(allow_x00=not ijson_only)
    formats = get_default_format_strategies()
    found = build(inlined(def_name), draft=Draft202012, formats=formats, alphabet=alphabet)
    strategy: st.SearchStrategy[Any] = found.map(_ijson) if ijson_only else found
    return strategy


def made_real(body: dict[str, Any], skus: list[str]) -> dict[str, Any]:
    """``body`` with what a success needs made real: catalog SKUs and the store's currency."""
    items = body.get("line_items")
    if items:
        body["line_items"] = [{**item, "id": skus[i % len(skus)]} for i, item in enumerate(items)]
    if "currency" in body:
        body["currency"] = "eur"
    return body


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``answer`` is the protocol Error ``code`` with ``status``; its body."""
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert body["type"] == ("invalid_request" if status < 500 else "processing_error"), body
    return body


def _is_rfc3339(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _RFC3339.match(instance):
        return False
    datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))  # ValueError: 31 June…
    return True


def _is_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    parts = urlsplit(instance)
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme)) and " " not in instance


def format_checker() -> FormatChecker:
    """jsonschema's FormatChecker, with ``date-time`` and ``uri`` checks added if missing."""
    # Both need optional packages (rfc3339-validator, rfc3986-validator); without them
    # jsonschema silently accepts any string for these formats.
    checker = FormatChecker()
    if "date-time" not in checker.checkers:
        checker.checks("date-time", raises=ValueError)(_is_rfc3339)
    if "uri" not in checker.checkers:
        checker.checks("uri")(_is_uri)
    return checker


def _formats_are_asserted(checker: FormatChecker) -> FormatChecker:
    good = (("2026-04-17T10:00:00Z", "date-time"), ("https://shop.example/acp", "uri"))
    bad = (("2026-04-17", "date-time"), ("2026-06-31T10:00:00Z", "date-time"),
           ("2026-04-17 10:00:00", "date-time"), ("/acp/checkout_sessions", "uri"),
           ("not a uri", "uri"))  # fmt: skip
    assert all(checker.conforms(value, kind) for value, kind in good)
    assert not any(checker.conforms(value, kind) for value, kind in bad), "formats not checked"
    return checker


FORMATS = _formats_are_asserted(format_checker())


@functools.cache
def _validator(def_name: str, bundle_name: str) -> Draft202012Validator:
    document = bundle(bundle_name)
    if def_name not in document["$defs"]:
        raise KeyError(f"{bundle_name}.schema.json has no $defs/{def_name}")
    schema = {**document, "$ref": f"#/$defs/{def_name}"}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMATS)


def _describe(error: ValidationError) -> str:
    where = error.json_path
    rule = "/".join(str(part) for part in error.absolute_schema_path)
    line = f"{where}: {error.message[:300]} [rule {rule}]"
    if error.context:  # oneOf / anyOf: what the closest branch said
        best = min(error.context, key=lambda e: (len(e.path), str(e.message)))
        line += f"\n    closest branch: {best.json_path}: {best.message[:200]}"
    return line


def errors_of(document: Any, def_name: str, bundle: str = "checkout") -> list[str]:
    """Every violation of ``$defs/def_name`` by ``document``, one line each."""
    found = sorted(_validator(def_name, bundle).iter_errors(document), key=lambda e: e.json_path)
    return [_describe(error) for error in found]


def validate(document: Any, def_name: str, bundle: str = "checkout") -> None:
    """Raise an AssertionError listing every violation of ``$defs/def_name`` by ``document``."""
    found = errors_of(document, def_name, bundle)
    if found:
        shown = json.dumps(document, ensure_ascii=False)[:1500]
        raise AssertionError(
            f"{len(found)} violation(s) of {bundle}#/$defs/{def_name}:\n"
            + "\n".join(f"  - {line}" for line in found)
            + f"\n  document: {shown}"
        )


def expected_schema(method: str, path: str, status: int) -> Expected | None:
    """Which spec schema an answer must match, by operation and status (None: not ACP)."""
    if path == DISCOVERY:
        assert (method, status) == ("GET", 200), f"{method} {path} answered {status}"
        return ("DiscoveryResponse", "checkout")
    if path == DELEGATE:
        assert method == "POST", f"{method} {path}"
        assert status != 200, f"{method} {path} answered 200, the spec says 201"
        return ("DelegatePaymentResponse" if status == 201 else "Error", "delegate_payment")
    if not path.startswith("/acp/"):
        return None
    if status >= 400:
        return ("Error", "checkout")
    return (_success_schema(method, path, status), "checkout")


def _success_schema(method: str, path: str, status: int) -> str:
    rest = path.removeprefix(SESSIONS)
    parts = [part for part in rest.split("/") if part]
    operation = {
        ("POST", 0): ("create", 201, "CheckoutSession"),
        ("POST", 1): ("update", 200, "CheckoutSession"),
        ("GET", 1): ("get", 200, "CheckoutSession"),
    }.get((method, len(parts)))
    if len(parts) == 2 and method == "POST" and parts[1] in ("complete", "cancel"):
        schema = "CheckoutSessionWithOrder" if parts[1] == "complete" else "CheckoutSession"
        operation = (parts[1], 200, schema)
    assert path.startswith(SESSIONS), f"no ACP operation {method} {path}"
    assert operation is not None, f"no ACP operation {method} {path}"
    name, wanted, schema = operation
    assert status == wanted, f"{name} ({method} {path}) answered {status}, the spec says {wanted}"
    return schema


@dataclass
class ConformanceHook:
    """An httpx response hook validating every ACP answer; keeps what it checked."""

    checked: list[tuple[str, str, int, str]] = field(default_factory=list)
    first_answers: dict[tuple[str, str, str, str], tuple[bytes, int, Any]] = field(
        default_factory=dict
    )

    async def __call__(self, response: httpx.Response) -> None:
        """Validate ``response`` when it belongs to an ACP operation."""
        request = response.request
        expected = expected_schema(request.method, request.url.path, response.status_code)
        if expected is None:
            return
        await response.aread()
        media = response.headers.get("content-type", "")
        assert media.split(";")[0].strip() == "application/json", (
            f"{request.method} {request.url.path} {response.status_code} is {media!r}"
        )
        body = response.json()
        validate(body, *expected)
        _check_headers(request, response, body)
        if request.method == "POST":
            self._check_replay(request, response, body)
        else:
            assert "idempotent-replayed" not in response.headers, "a replayed GET"
        self.checked.append((request.method, request.url.path, response.status_code, expected[0]))

    def _check_replay(self, request: httpx.Request, response: httpx.Response, body: Any) -> None:
        key = request.headers.get("idempotency-key")
        replayed = response.headers.get("idempotent-replayed")
        where = f"{request.method} {request.url.path} {response.status_code}"
        assert replayed in (None, "true"), f"{where}: Idempotent-Replayed: {replayed!r}"
        if key is None:
            assert replayed is None, f"{where}: replayed without an Idempotency-Key"
            return
        scope = (request.headers.get("authorization", ""), request.method, request.url.path, key)
        first = self.first_answers.get(scope)
        if first is None:
            assert replayed is None, f"{where}: Idempotent-Replayed on the key's first use"
        else:
            _check_reuse(where, first, request.content, response, body)
        kept = response.status_code < 500 and not _transient(response.status_code, body)
        if kept and replayed is None and (first is None or first[1] >= 300):
            self.first_answers[scope] = (request.content, response.status_code, body)


def _transient(status: int, body: Any) -> bool:
    code = body.get("code") if isinstance(body, dict) else None
    return status in (409, 429) and code in ("idempotency_in_flight", "too_many_requests")


def _same_json(left: bytes, right: bytes) -> bool:
    try:
        return bool(json.loads(left or b"null") == json.loads(right or b"null"))
    except ValueError:
        return left == right


def _check_reuse(
    where: str, first: tuple[bytes, int, Any], content: bytes, response: httpx.Response, body: Any
) -> None:
    first_content, first_status, first_body = first
    replayed = response.headers.get("idempotent-replayed")
    if replayed == "true":
        assert (response.status_code, body) == (first_status, first_body), (
            f"{where}: a replay must answer the first status and body, was {first_status}"
        )
    elif first_status < 300 and _same_json(first_content, content):
        raise AssertionError(f"{where}: same key and body after a {first_status}, not a replay")
    elif first_status < 300:
        assert (response.status_code, body.get("code")) == (422, "idempotency_conflict"), (
            f"{where}: same key, other body must be 422 idempotency_conflict: {body}"
        )


def _check_headers(request: httpx.Request, response: httpx.Response, body: Any) -> None:
    where = f"{request.method} {request.url.path} {response.status_code}"
    if request.url.path == DISCOVERY:
        return
    for name in ("Request-Id", "Idempotency-Key"):
        sent = request.headers.get(name)
        if sent is not None and sent.isprintable() and len(sent) <= 255:
            echoed = response.headers.get(name)
            assert echoed == sent, f"{where}: {name} {sent!r} echoed as {echoed!r}"
    if response.status_code == 409 and body.get("code") == "idempotency_in_flight":
        retry = response.headers.get("retry-after", "")
        assert retry.isdigit(), f"{where}: Retry-After {retry!r}"
        assert int(retry) >= 1, f"{where}: Retry-After {retry!r}"


def checked_client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """``client`` with a :class:`ConformanceHook` on its responses (the same client)."""
    hooks = client.event_hooks
    if not any(isinstance(hook, ConformanceHook) for hook in hooks["response"]):
        client.event_hooks = {**hooks, "response": [*hooks["response"], ConformanceHook()]}
    return client


def hook_of(client: httpx.AsyncClient) -> ConformanceHook:
    """The conformance hook of a :func:`checked_client`."""
    found = [hook for hook in client.event_hooks["response"] if isinstance(hook, ConformanceHook)]
    assert found, "not a checked client"
    hook: ConformanceHook = found[0]
    return hook
