# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a probe's observation means, in plain words, with the diagnose finding each outcome corresponds to. Pure.

The module (``plugins/module_utils/tls_probe.py``) records what happened on the wire; this module decides what it
means. Certificates are judged with ``cryptography`` as evidence: the server chain with the Web PKI rules browsers
apply, the client certificate's validity and whether its chain matches the CA names the server sent (Windows and
browsers offer a certificate only then). Finding ids are those of ``diagnosis.py``.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.module_utils.tls_probe import AFTER_REQUEST, HANDSHAKE, looks_like_tls13_trap

from .certs import describe
from .cryptography_lib import x509
from .probe_inputs import ProbeRequest

#: TLS alerts a server sends when it does not accept the client certificate (RFC 8446 section 6.2, RFC 5246 7.2.2).
CERTIFICATE_ALERTS = frozenset(
    {
        "bad certificate",
        "unsupported certificate",
        "certificate revoked",
        "certificate expired",
        "certificate unknown",
        "unknown ca",
        "access denied",
        "certificate required",
        "decrypt error",
        "handshake failure",
    }
)
#: HTTP answers that mean "your certificate was not accepted" once the server asked for one: IIS 403.x, nginx 400
#: ("No required SSL certificate was sent" / "The SSL certificate error") and nginx's 495/496.
REJECTING_STATUSES = frozenset({400, 401, 403, 495, 496})
#: IIS sub-statuses of client certificate authentication (REFERENCE.md "The 403 family"; WINDOWS_FACTS
#: CLIENTAUTH-PROBE-2).
IIS_SUBSTATUS = {
    "403.4": "SSL is required",
    "403.7": "a client certificate is required (none sent, or Windows rejected it before it was sent)",
    "403.12": "the certificate mapping denies this certificate",
    "403.13": "the client certificate is revoked, or its revocation status cannot be determined",
    "403.16": "the client certificate is untrusted or invalid",
    "403.17": "the client certificate (or a CA of its chain) has expired or is not yet valid",
    "401.2": "no authentication method accepted the request (no certificate mapping matched)",
}
SUBSTATUS_FINDINGS = {
    "403.12": "MAPPER_DENIED",
    "403.13": "CLIENT_CERT_NO_REVOCATION_INFO",
    "401.2": "CLIENT_NOT_MAPPED",
}


@dataclass(frozen=True)
class Problem:
    id: str
    severity: str  # error | warning | info
    summary: str
    finding: str | None = None  # mtls.iis.diagnose finding id


def ca_names(observation: dict[str, Any]) -> list[dict[str, str]]:
    """The CA names of the last certificate request (a renegotiation replaces the handshake's list)."""
    requests = observation.get("certificate_requests") or []
    return list(requests[-1].get("ca_names") or []) if requests else []


def requested(observation: dict[str, Any]) -> str:
    stages = [r["stage"] for r in observation.get("certificate_requests") or []]
    if HANDSHAKE in stages:
        return HANDSHAKE
    return AFTER_REQUEST if AFTER_REQUEST in stages else "no"


def issuer_listed(chain: list[x509.Certificate], names: list[dict[str, str]]) -> bool | None:
    """Whether a CA of the client's chain is among the names (what Schannel clients and browsers check).

    WINDOWS_FACTS CLIENTAUTH-PROBE-3 (where the names come from), CLIENTAUTH-PROBE-5 (how clients use them).
    """
    if not names or not chain:
        return None
    listed_der = {base64.b64decode(n["der"]) for n in names}
    listed_text = {n["text"] for n in names}
    issuers = [c.issuer for c in chain] + [c.subject for c in chain[1:]]
    return any(name.public_bytes() in listed_der or name.rfc4514_string() in listed_text for name in issuers)


def _cert_facts(cert: x509.Certificate, now: datetime) -> dict[str, Any]:
    info = describe(cert)
    return {
        "subject": info.subject,
        "issuer": info.issuer,
        "thumbprint": info.thumbprint,
        "not_after": info.not_after.isoformat(),
        "days_left": (info.not_after - now).days,
    }


def validate_server_chain(
    chain: list[x509.Certificate], name: str, roots: list[x509.Certificate], against: str, now: datetime
) -> dict[str, Any]:
    """Web PKI validation of the server's chain for ``name`` (DNS name or IP) with cryptography: evidence."""
    from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

    result: dict[str, Any] = {"valid": None, "error": "", "against": against, "name": name}
    if not chain:
        result["error"] = "the server sent no certificate"
        return result
    if not roots:
        result["error"] = f"no CA certificate to validate against ({against})"
        return result
    try:
        import ipaddress

        subject: Any = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    verifier = PolicyBuilder().store(Store(roots)).time(now).build_server_verifier(subject)
    try:
        verifier.verify(chain[0], chain[1:])
    except VerificationError as exc:
        result.update(valid=False, error=str(exc))
    else:
        result["valid"] = True
    return result


def _substatus_text(response: dict[str, Any] | None) -> str | None:
    if not response:
        return None
    sub = response.get("substatus")
    return f"{response['status']}.{sub}" if sub is not None else str(response["status"])


def _answer(response: dict[str, Any] | None) -> str:
    if not response:
        return "no answer"
    text = _substatus_text(response)
    meaning = IIS_SUBSTATUS.get(text or "")
    return f"HTTP {text}" + (f" ({meaning})" if meaning else f" {response.get('reason') or ''}".rstrip())


def _connection_problem(error: dict[str, Any], request: ProbeRequest) -> Problem:
    where = f"{request.host}:{request.port}"
    advice = {
        "refused": "nothing listens there: check the https binding's port and IP (mtls.iis.site_binding).",
        "timeout": "a firewall drops the packets, or the host is down.",
        "dns": "check the name, or give the IP in url and the host name in server_name.",
    }.get(error["kind"], "")
    return Problem("CONNECTION_FAILED", "error", f"no TCP connection to {where}: {error['message']}. {advice}".strip())


def _handshake_problem(error: dict[str, Any]) -> Problem:
    if error["kind"] == "alert":
        text = f"the TLS handshake failed: {error['message']}"
        if error["alert"] == "protocol version":
            text += " (the server does not accept this TLS version)"
        return Problem("HANDSHAKE_ALERT", "error", text + ".")
    # WINDOWS_FACTS CLIENTAUTH-PROBE-6: named as a possible cause only
    return Problem(
        "HANDSHAKE_FAILED",
        "error",
        f"the TLS handshake did not complete: {error['message']}. HTTP.sys resets the handshake when no SSL "
        "certificate binding matches the address and host name (SNI): check the https binding and server_name.",
    )


def _rejection(observation: dict[str, Any], request: ProbeRequest, listed: bool | None, now: datetime) -> Problem:
    """The server asked for a client certificate and refused the request: say why, as precisely as we can."""
    error = observation.get("error") or {}
    response = observation.get("response")
    how = f"the TLS alert '{error['alert']}'" if error.get("alert") else _answer(response)
    if request.client is None:
        return Problem(
            "CLIENT_CERT_REQUIRED",
            "error",
            f"the server requires a client certificate and the probe presented none: it answered {how}.",
        )
    leaf = describe(request.client.certificate)
    if leaf.expired(now):
        return Problem(
            "CLIENT_CERT_EXPIRED",
            "error",
            f"the client certificate {leaf.subject} expired on {leaf.not_after:%Y-%m-%d}; the server answered {how}.",
            "CLIENT_CERT_EXPIRED",
        )
    if leaf.not_yet_valid(now):
        return Problem(
            "CLIENT_CERT_NOT_YET_VALID",
            "error",
            f"the client certificate {leaf.subject} is valid only from {leaf.not_before:%Y-%m-%d %H:%M} UTC; the "
            f"server answered {how}.",
            "CLIENT_CERT_NOT_YET_VALID",
        )
    if listed is False:
        return Problem(
            "CLIENT_ISSUER_NOT_IN_CA_LIST",
            "error",
            f"the client certificate's issuer {leaf.issuer} is not among the {len(ca_names(observation))} CA names "
            f"the server sent: Windows and browsers do not even send such a certificate (IIS answers 403.7), and sent "
            f"anyway it was refused with {how}.",
            "ISSUER_NOT_IN_ISSUER_STORE",
        )
    if error.get("alert") == "unknown ca":
        return Problem(
            "CLIENT_CERT_UNTRUSTED",
            "error",
            f"the server does not trust the CA that issued {leaf.subject} (TLS alert 'unknown ca').",
            "CLIENT_ROOT_NOT_TRUSTED",
        )
    sub = _substatus_text(response)
    finding = SUBSTATUS_FINDINGS.get(sub or "")
    if sub == "403.17":
        finding = "CHAIN_CA_EXPIRED"
    return Problem(
        "CLIENT_CERT_REJECTED",
        "error",
        f"the server refused the client certificate {leaf.subject} with {how}. Run mtls.iis.diagnose with this "
        "client_certificate to see the server's side.",
        finding,
    )


def _trap(observation: dict[str, Any]) -> Problem:
    """WINDOWS_FACTS CLIENTAUTH-PROBE-1 (the symptoms), CLIENTAUTH-PROBE-4 (what TLS 1.2 shows instead)."""
    retry = observation.get("tls12_retry")
    text = (
        "the server asked for no client certificate in the TLS 1.3 handshake and "
        + (
            "answered the request with HTTP 500 0x80070032"
            if observation.get("response")
            else "reset the connection after the request instead of answering"
        )
        + ": the TLS 1.3 trap. The location asks for client certificates after the request (SslNegotiateCert), which "
        "needs renegotiation, and TLS 1.3 has none. Negotiate the client certificate in the handshake "
        "(mtls.iis.site_binding negotiate_client_certificate: true) or disable TLS 1.3 on the binding."
    )
    if retry:
        text += (
            f" Probed again with TLS 1.2: certificate requested {requested(retry).replace('_', ' ')}, "
            f"{_answer(retry.get('response'))}."
        )
    return Problem("TLS13_TRAP", "error", text, "TLS13_RENEGOTIATION")


def _request_problem(
    observation: dict[str, Any],
    request: ProbeRequest,
    listed: bool | None,
    now: datetime,
) -> Problem | None:
    """The fate of the request: None when the server answered it below 400."""
    error = observation.get("error") or {}
    response = observation.get("response")
    if error.get("stage") == "connect":
        return _connection_problem(error, request)
    if looks_like_tls13_trap(observation):
        return _trap(observation)
    asked = requested(observation) != "no"
    if not observation.get("handshake_completed"):
        if error.get("alert") in CERTIFICATE_ALERTS and (asked or request.client):
            return _rejection(observation, request, listed, now)
        return _handshake_problem(error)
    if response is None:
        if error.get("alert") in CERTIFICATE_ALERTS:
            return _rejection(observation, request, listed, now)
        return Problem(
            "NO_ANSWER", "error", f"the server did not answer the request: {error.get('message', 'no data')}."
        )
    if response["status"] < 400:
        return None
    if asked and response["status"] in REJECTING_STATUSES:
        return _rejection(observation, request, listed, now)
    sub = _substatus_text(response) or ""
    return Problem("HTTP_ERROR", "error", f"the server answered {_answer(response)}.", SUBSTATUS_FINDINGS.get(sub))


def _side_problems(
    observation: dict[str, Any],
    request: ProbeRequest,
    listed: bool | None,
    validation: dict[str, Any],
    server_chain: list[x509.Certificate],
    now: datetime,
) -> list[Problem]:
    problems = []
    if requested(observation) == AFTER_REQUEST:
        problems.append(
            Problem(
                "RENEGOTIATION_AFTER_REQUEST",
                "warning",
                "the server asked for the client certificate only after the request (TLS 1.2 renegotiation): clients "
                "that negotiate TLS 1.3 get a reset or HTTP 500 instead (the TLS 1.3 trap). Negotiate the client "
                "certificate in the handshake (mtls.iis.site_binding negotiate_client_certificate: true).",
                "TLS13_RENEGOTIATION",
            )
        )
    if listed is False and (observation.get("response") or {}).get("status", 999) < 400:
        problems.append(
            Problem(
                "CLIENT_ISSUER_NOT_IN_CA_LIST",
                "warning",
                "the server accepted the certificate this probe sends regardless, but its issuer is not among the CA "
                "names the server sent: Windows clients and browsers would not offer it.",
                "ISSUER_NOT_IN_ISSUER_STORE",
            )
        )
    if validation["valid"] is False:
        expired = bool(server_chain) and describe(server_chain[0]).expired(now)
        problems.append(
            Problem(
                "SERVER_CHAIN_INVALID",
                "error",
                f"the server's certificate chain does not validate for {validation['name']} against "
                f"{validation['against']}: {validation['error']}. Clients refuse the connection.",
                "SERVER_CERT_EXPIRED" if expired else None,
            )
        )
    if server_chain:
        leaf = describe(server_chain[0])
        if not leaf.expired(now) and leaf.expires_within(now, request.expiry_warning_days):
            problems.append(
                Problem(
                    "SERVER_CERT_EXPIRING",
                    "warning",
                    f"the server certificate {leaf.subject} expires on {leaf.not_after:%Y-%m-%d}.",
                    "SERVER_CERT_EXPIRING",
                )
            )
    if request.client is not None:
        leaf = describe(request.client.certificate)
        if not leaf.expired(now) and leaf.expires_within(now, request.expiry_warning_days):
            problems.append(
                Problem(
                    "CLIENT_CERT_EXPIRING",
                    "warning",
                    f"the client certificate {leaf.subject} expires on {leaf.not_after:%Y-%m-%d}.",
                )
            )
    return problems


def explain(
    request: ProbeRequest,
    observation: dict[str, Any],
    trust: tuple[list[x509.Certificate], str],
    now: datetime,
) -> dict[str, Any]:
    """The probe's result: what happened, each problem with its diagnose finding, and the facts behind them.

    ``trust`` is the CA certificates the server chain is validated against and how to name them.
    """
    server_chain = [x509.load_der_x509_certificate(base64.b64decode(d)) for d in observation.get("server_chain") or []]
    client_chain = [request.client.certificate, *request.client.chain] if request.client else []
    names = ca_names(observation)
    listed = issuer_listed(client_chain, names)
    validation = validate_server_chain(server_chain, request.checked_name, trust[0], trust[1], now)
    primary = _request_problem(observation, request, listed, now)
    problems = [
        *([primary] if primary else []),
        *_side_problems(observation, request, listed, validation, server_chain, now),
    ]
    errors = [p for p in problems if p.severity == "error"]
    outcome = (
        errors[0]
        if errors
        else Problem("ACCEPTED", "ok", f"the server answered {_answer(observation.get('response'))}.")
    )
    response = observation.get("response") or {}
    result: dict[str, Any] = {
        "outcome": asdict(outcome),
        "problems": [asdict(p) for p in problems],
        "status": response.get("status"),
        "substatus": response.get("substatus"),
        "tls": observation.get("tls"),
        "client_certificate_requested": requested(observation),
        "acceptable_ca_names": [n["text"] for n in names],
        "client_certificate_sent": bool(observation.get("client_certificate_sent")),
        "client_issuer_in_ca_list": listed,
        "server_chain": [_cert_facts(c, now) for c in server_chain],
        "server_chain_validation": validation,
        "error": observation.get("error"),
    }
    if request.client is not None:
        result["client_certificate"] = _cert_facts(request.client.certificate, now)
    if observation.get("tls12_retry"):
        retry = observation["tls12_retry"]
        retry_response = retry.get("response") or {}
        retry_problem = _request_problem(retry, request, issuer_listed(client_chain, ca_names(retry)), now)
        result["tls12_retry"] = {
            "status": retry_response.get("status"),
            "substatus": retry_response.get("substatus"),
            "tls": retry.get("tls"),
            "client_certificate_requested": requested(retry),
            "outcome": asdict(retry_problem)
            if retry_problem
            else asdict(Problem("ACCEPTED", "ok", f"the server answered {_answer(retry.get('response'))}.")),
        }
    return result


def unmet_expectation(request: ProbeRequest, result: dict[str, Any]) -> str | None:
    """The failure message when ``expect_status`` is not met, with the probe's explanation; None when it is."""
    if not request.expect_status:
        return None
    status, sub = result.get("status"), result.get("substatus")
    got = {str(status), f"{status}.{sub}"} if status is not None else set()
    if got & set(request.expect_status):
        return None
    answer = f"HTTP {status}" + (f".{sub}" if sub is not None else "") if status is not None else "no HTTP answer"
    return (
        f"{request.url}: expected status {' or '.join(request.expect_status)}, got {answer}. "
        f"{result['outcome']['summary']}"
        + (f" (mtls.iis.diagnose finding {result['outcome']['finding']})" if result["outcome"].get("finding") else "")
    )
