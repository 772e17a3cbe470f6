"""IIS: sites, their https bindings, and ``system.webServer/security/access@sslFlags`` per location.

Windows facts followed (the project's REFERENCE.md):

- Binding keys, the binding and access ``sslFlags`` bits and names, and a binding's certificate read from the
  HTTP.sys record at its key are the Windows model's (:mod:`winmodel.iisbinding`: "Site bindings", BINDING-1,
  BINDING-9, HTTPSYS-10). A binding here holds protocol, binding information and sslFlags only.
- "HTTP.sys SSL configuration": **IIS rewrites the HTTP.sys record when a binding or its
  certificate changes and drops client-certificate negotiation, the CTL store and the DS mapper**.
  The rewritten record (:func:`winmodel.httpsys.iis_record`) holds the binding's certificate, the IIS app id, the TLS
  bits IIS mirrors from the binding's sslFlags (:data:`winmodel.iisbinding.BINDING_TO_HTTPSYS`), no CTL store and the
  default revocation check.
- "IIS sslFlags" (names in :mod:`winmodel.iisbinding`): the section is locked, so it is written only in
  applicationHost.config ``<location path="Site/app">`` (no leading slash, never at server level).
  A path without an explicit value inherits from the nearest ancestor that has one, then from the
  server level ("None"). Site names and location paths are case-insensitive.

IIS configuration changes commit once per contiguous run of IIS ops (as ``host_state.ps1`` does with
one ``ServerManager`` and one ``CommitChanges``; :class:`simhost.host.SimulatedHost` drives the runs).
**IIS writes the HTTP.sys records of added or changed https bindings when the run commits**, not when
the op runs (WINDOWS_FACTS HTTPSYS-4): until then a changed binding's new certificate is held in
the uncommitted run (:data:`UNCOMMITTED`), and :func:`commit_run` writes the records. A run that fails
before it commits is discarded whole: nothing of it reaches applicationHost.config or HTTP.sys.

State layout (``state["iis"]``, see :func:`winmodel.state.new_iis`)::

    {"installed": true, "server_ssl_flags": "None",
     "sites": {"Default Web Site": {"id": 1, "bindings": [
         {"protocol": "https", "binding_information": "*:443:", "ssl_flags": 0}]}},
     "locations": {"Default Web Site/api": {"sslFlags": "Ssl, SslNegotiateCert"}}}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from winmodel import iis as winiis
from winmodel import iisbinding, webconfig
from winmodel.errors import StateError, WindowsError_
from winmodel.features import iis_installed
from winmodel.state import State, iis_of

from simhost import certstore
from simhost.errors import OpError

NOT_INSTALLED = "IIS is not installed on this host (Microsoft.Web.Administration could not be loaded)"


def _require_installed(state: State) -> None:
    if not iis_installed(state):
        raise OpError(NOT_INSTALLED)


# --- sites --------------------------------------------------------------------------------------------


def find_site(state: State, name: str) -> tuple[str, dict[str, Any]] | None:
    """``(name as IIS has it, site)``, or None. Site names are case-insensitive."""
    wanted = name.casefold()
    for stored, site in iis_of(state)["sites"].items():
        if stored.casefold() == wanted:
            return stored, site
    return None


def require_site(state: State, name: str) -> tuple[str, dict[str, Any]]:
    _require_installed(state)
    found = find_site(state, name)
    if found is None:
        raise OpError(f"site '{name}' does not exist")
    return found


def add_site(state: State, name: str, site_id: int | None = None) -> int:
    """Create a site without bindings; its id (next free one when not given)."""
    sites = iis_of(state)["sites"]
    if not name or find_site(state, name) is not None:
        raise StateError(f"site {name!r} is empty or exists already")
    ids = {site["id"] for site in sites.values()}
    if site_id is None:
        site_id = max(ids, default=0) + 1
    if site_id in ids:
        raise StateError(f"site id {site_id} is taken")
    sites[name] = {"id": site_id, "bindings": []}
    return site_id


# --- bindings -----------------------------------------------------------------------------------------


def check_binding_flags(ssl_flags: int) -> None:
    if not 0 <= ssl_flags <= iisbinding.BINDING_FLAGS_MAX:
        raise OpError(
            f"binding sslFlags {ssl_flags} is outside 0..{iisbinding.BINDING_FLAGS_MAX} (the IIS schema's flags)"
        )


def parse_binding_information(text: str) -> iisbinding.Endpoint:
    """``ip:port:host`` as IIS accepts it (:func:`winmodel.iisbinding.parse_binding_information`); the op fails
    otherwise."""
    try:
        return iisbinding.parse_binding_information(text)
    except WindowsError_ as err:
        raise OpError(str(err)) from None


def httpsys_endpoint(binding_information: str, ssl_flags: int) -> tuple[str, str]:
    """``(kind, key)`` of the HTTP.sys record IIS uses for an https binding
    (:func:`winmodel.iisbinding.httpsys_endpoint`); the op fails when IIS would refuse the binding."""
    try:
        return iisbinding.httpsys_endpoint(binding_information, ssl_flags)
    except WindowsError_ as err:
        raise OpError(str(err)) from None


def _https(site: dict[str, Any]) -> list[dict[str, Any]]:
    return [binding for binding in site["bindings"] if binding["protocol"].casefold() == "https"]


def find_binding(site: dict[str, Any], binding_information: str) -> dict[str, Any] | None:
    """The https binding with that information (host names are case-insensitive), or None."""
    wanted = binding_information.casefold()
    return next((b for b in _https(site) if b["binding_information"].casefold() == wanted), None)


#: Transient key of the state (never saved): the HTTP.sys rewrites of the uncommitted IIS run, keyed by
#: site and binding information (case-insensitive), each ``{"site", "binding_information", "cert_hash",
#: "cert_store"}``.
UNCOMMITTED = "_iis_uncommitted_rewrites"


def _ident(site_name: str, binding_information: str) -> str:
    return f"{site_name.casefold()}\n{binding_information.casefold()}"


def _pending(state: State) -> dict[str, dict[str, Any]]:
    return state.setdefault(UNCOMMITTED, {})


def _certificate(state: State, site_name: str, binding: dict[str, Any]) -> tuple[str, str]:
    """``(hash, store)`` the binding has in this run: a change not committed yet, else its HTTP.sys record."""
    pending = state.get(UNCOMMITTED, {}).get(_ident(site_name, binding["binding_information"]))
    if pending is not None:
        return pending["cert_hash"], pending["cert_store"]
    view = iisbinding.view_binding(state, binding)
    return view["certificate_hash"], view["certificate_store"]


def _queue_rewrite(state: State, site_name: str, binding: dict[str, Any], cert_hash: str, cert_store: str) -> None:
    """IIS will write this binding's HTTP.sys record when the run commits."""
    ident = _ident(site_name, binding["binding_information"])
    entry = _pending(state).setdefault(
        ident,
        {"site": site_name, "binding_information": binding["binding_information"]},
    )
    entry.update(cert_hash=cert_hash, cert_store=cert_store)


def commit_run(state: State) -> None:
    """Commit the IIS run: IIS writes a fresh HTTP.sys record for every binding the run added or changed
    (certificate, IIS app id, the TLS bits mirrored from sslFlags; client-certificate options gone) and
    leaves the record a binding left behind when its key changed: the engine replaces a binding with
    ``Remove(old, $true)`` (removeConfigOnly, BINDING-2), which keeps it; the planner removes it with ``httpsys_remove``
    when no other binding uses it (issue 10 items 10 and 12)."""
    for entry in state.pop(UNCOMMITTED, {}).values():
        found = find_site(state, entry["site"])
        binding = None if found is None else find_binding(found[1], entry["binding_information"])
        if binding is None:
            continue  # removed later in the same run
        try:
            iisbinding.write_record(
                state, binding["binding_information"], binding["ssl_flags"], entry["cert_hash"], entry["cert_store"]
            )
        except WindowsError_ as err:
            raise OpError(str(err)) from None


def _require_binding(state: State, site_name: str, binding_information: str) -> tuple[str, dict[str, Any]]:
    name, site = require_site(state, site_name)
    binding = find_binding(site, binding_information)
    if binding is None:
        raise OpError(f"site '{name}' has no https binding '{binding_information}'")
    return name, binding


def _same_certificate(current: tuple[str, str], thumbprint: str, store: str) -> bool:
    return current[0] == thumbprint and current[1].casefold() == store.casefold()


def binding_add(
    state: State,
    site_name: str,
    binding_information: str,
    ssl_flags: int,
    certificate_hash: str,
    certificate_store: str,
) -> bool:
    """Add an https binding with its certificate (none for a Central Certificate Store binding, which must not name
    one); IIS writes a fresh HTTP.sys record for it at commit.

    An existing https binding with that information is brought to this certificate and these flags
    instead (as the module does, replacing the element, BINDING-4), like the binding_set_* ops.
    """
    name, site = require_site(state, site_name)
    check_binding_flags(ssl_flags)
    httpsys_endpoint(binding_information, ssl_flags)
    ccs = bool(ssl_flags & iisbinding.CENTRAL_CERT_STORE)
    if ccs:
        if certificate_hash or certificate_store:
            raise OpError(
                f"binding '{binding_information}': a Central Certificate Store binding (sslFlags bit 2) takes no "
                "certificate_hash or certificate_store"
            )
        thumbprint = ""
    else:
        thumbprint = certstore.parse_thumbprint(certificate_hash)
    existing = find_binding(site, binding_information)
    if existing is not None:
        if existing["ssl_flags"] & iisbinding.CENTRAL_CERT_STORE or ccs:
            return _replace_binding(state, name, existing, ssl_flags, thumbprint, certificate_store)
        if not _same_certificate(_certificate(state, name, existing), thumbprint, certificate_store):
            certstore.require_server_certificate(state, certificate_store, thumbprint)
        # Both checked above, so neither half can fail after the other changed something.
        cert_changed = binding_set_cert(state, site_name, binding_information, certificate_hash, certificate_store)
        flags_changed = binding_set_flags(state, site_name, binding_information, ssl_flags)
        return cert_changed or flags_changed
    if not ccs:
        certstore.require_server_certificate(state, certificate_store, thumbprint)
    binding = {"protocol": "https", "binding_information": binding_information, "ssl_flags": ssl_flags}
    site["bindings"].append(binding)
    _queue_rewrite(state, name, binding, thumbprint, certificate_store)
    return True


def _replace_binding(
    state: State, site_name: str, binding: dict[str, Any], ssl_flags: int, thumbprint: str, store: str
) -> bool:
    """A binding turned between a fixed certificate and the Central Certificate Store (or a CCS binding given other
    flags): the element is replaced, and IIS writes the record of its new key at commit (BINDING-4, BINDING-9)."""
    current = _certificate(state, site_name, binding)
    if binding["ssl_flags"] == ssl_flags and _same_certificate(current, thumbprint, store):
        return False
    if thumbprint:
        certstore.require_server_certificate(state, store, thumbprint)
    _queue_rewrite(state, site_name, binding, thumbprint, store)
    binding["ssl_flags"] = ssl_flags
    return True


def binding_remove(state: State, site_name: str, binding_information: str) -> bool:
    """Remove the https binding. Its HTTP.sys record stays (IIS does not always delete it)."""
    name, site = require_site(state, site_name)
    binding = find_binding(site, binding_information)
    if binding is None:
        return False
    site["bindings"] = [b for b in site["bindings"] if b is not binding]
    state.get(UNCOMMITTED, {}).pop(_ident(name, binding_information), None)
    return True


def binding_set_cert(
    state: State, site_name: str, binding_information: str, certificate_hash: str, certificate_store: str
) -> bool:
    """Change the binding's certificate; IIS rewrites the HTTP.sys record at commit (options dropped).

    The same certificate and store again change nothing and leave the record as it is.
    """
    name, binding = _require_binding(state, site_name, binding_information)
    thumbprint = certstore.parse_thumbprint(certificate_hash)
    if binding["ssl_flags"] & iisbinding.CENTRAL_CERT_STORE:
        raise OpError(
            f"binding '{binding_information}' takes its certificate from the Central Certificate Store (sslFlags "
            "bit 2); a certificate set on it would be a CCS binding naming a certificate"
        )
    if _same_certificate(_certificate(state, name, binding), thumbprint, certificate_store):
        return False
    httpsys_endpoint(binding["binding_information"], binding["ssl_flags"])
    certstore.require_server_certificate(state, certificate_store, thumbprint)
    _queue_rewrite(state, name, binding, thumbprint, certificate_store)
    return True


def binding_set_flags(state: State, site_name: str, binding_information: str, ssl_flags: int) -> bool:
    """Write the binding's whole sslFlags; IIS rewrites the HTTP.sys record at commit (options dropped).

    When the iisbinding.SNI bit changes, the record moves to the new key and the old one is deleted (unless
    another https binding still maps to it). A binding without a certificate gets no record.
    """
    name, binding = _require_binding(state, site_name, binding_information)
    check_binding_flags(ssl_flags)
    if binding["ssl_flags"] == ssl_flags:
        return False
    httpsys_endpoint(binding["binding_information"], ssl_flags)
    if (binding["ssl_flags"] ^ ssl_flags) & iisbinding.CENTRAL_CERT_STORE:
        raise OpError(
            f"binding '{binding_information}': binding_set_flags does not turn the Central Certificate Store bit (2) "
            "on or off (the binding's certificate goes or comes with it); binding_add replaces the binding"
        )
    cert_hash, cert_store = _certificate(state, name, binding)
    if cert_hash or ssl_flags & iisbinding.CENTRAL_CERT_STORE:
        if cert_hash:
            certstore.require_server_certificate(state, cert_store, cert_hash)
        _queue_rewrite(state, name, binding, cert_hash, cert_store)
    binding["ssl_flags"] = ssl_flags
    return True


# --- access sslFlags per location ---------------------------------------------------------------------


def location_segments(path: str) -> list[str]:
    """``Site/app/dir`` -> ``["Site", "app", "dir"]``; refuses what applicationHost.config cannot hold."""
    if not path.strip():
        raise OpError(
            "an empty location is the server level: system.webServer/security/access is locked "
            "(overrideModeDefault=Deny) and host_state writes sslFlags only at a site, application or "
            "directory location path such as 'Default Web Site/app'"
        )
    if path.startswith("/"):
        raise OpError(f"location path '{path}' starts with '/': applicationHost.config paths look like 'Site/app'")
    if "\\" in path:
        raise OpError(f"location path '{path}' contains '\\': applicationHost.config paths use '/'")
    segments = path.split("/")
    if any(not segment.strip() for segment in segments):
        raise OpError(f"location path '{path}' has an empty segment (or a trailing '/')")
    return segments


def locations(state: State) -> dict[str, dict[str, Any]]:
    """applicationHost.config ``<location path>`` entries (mutable): ``sslFlags``, ``auth``, ``traceFailedRequests``."""
    return iis_of(state)["locations"]


def find_location(state: State, path: str) -> str | None:
    """The stored spelling of a location path (case-insensitive), or None."""
    wanted = path.casefold()
    return next((stored for stored in locations(state) if stored.casefold() == wanted), None)


def explicit_flags(state: State, path: str) -> str | None:
    """The sslFlags string written at exactly ``path``, or None when it inherits."""
    stored = find_location(state, path)
    return None if stored is None else locations(state)[stored].get("sslFlags")


def effective_flags(state: State, path: str) -> int:
    """The sslFlags applicationHost.config gives ``path``: the nearest explicit ancestor, else the server level
    (the Windows model's inheritance, :func:`winmodel.iis.attributes_in_effect`, IISCONFIG-15)."""
    return int(winiis.attributes_in_effect(state, webconfig.ACCESS, path)["sslFlags"])


def set_location_flags(state: State, path: str, flags: str | None) -> None:
    """Seed: write (validated names) or remove the explicit sslFlags at ``path``, without the op's rules."""
    stored = find_location(state, path)
    if flags is None:
        if stored is not None:
            locations(state)[stored].pop("sslFlags", None)
            if not locations(state)[stored]:
                del locations(state)[stored]
        return
    iisbinding.access_flags_value(flags)
    locations(state).setdefault(stored or path, {})["sslFlags"] = flags


def access_set(state: State, location: str, ssl_flags: int) -> bool:
    """Write sslFlags at exactly that location path; unchanged when the integer is already there.

    The first segment of the path is the site (IIS site names cannot contain '/'); it must exist.
    """
    segments = location_segments(location)
    require_site(state, segments[0])
    if ssl_flags < 0 or ssl_flags & ~iisbinding.ACCESS_BITS:
        raise OpError(
            f"sslFlags {ssl_flags} has bits outside Ssl (8), SslNegotiateCert (32), SslRequireCert (64) and "
            "Ssl128 (256); the IIS 10 schema has no SslMapCert (128)"
        )
    current = explicit_flags(state, location)
    if current is not None and iisbinding.access_flags_value(current) == ssl_flags:
        return False
    stored = find_location(state, location) or location
    locations(state).setdefault(stored, {})["sslFlags"] = iisbinding.access_flags_text(ssl_flags)
    return True


def access_unset(state: State, location: str) -> bool:
    """Remove the explicit sslFlags at that location so it inherits; unchanged when there is none.

    No site check: a location left behind by a deleted site can still be cleaned up.
    """
    location_segments(location)
    _require_installed(state)
    if explicit_flags(state, location) is None:
        return False
    set_location_flags(state, location, None)
    return True


# --- gather -------------------------------------------------------------------------------------------


def _web_config_flags(state: State, path: str) -> tuple[str, int] | None:
    """(path, flags) of the nearest web.config at or above ``path`` that sets sslFlags (SSL Settings unlocked there,
    WINDOWS_FACTS IISCONFIG-13), or None. Only seeding writes a web.config. A web.config on the way that holds the
    section where it is locked fails the read, as IIS's merged view does (IISCONFIG-22)."""
    segments = path.split("/")
    found: tuple[str, int] | None = None
    for depth in range(len(segments), 0, -1):
        candidate = "/".join(segments[:depth])
        value = webconfig.section(state, candidate, "sslFlags")
        if value is None:
            continue
        if webconfig.override_mode(webconfig.override_modes(state), webconfig.ACCESS, candidate) == "Deny":
            raise OpError(f"reading {webconfig.ACCESS} at '{path}': {webconfig.LOCK_MESSAGE}")
        found = found or (candidate, iisbinding.access_flags_value(value))
    return found


def _access_entry(state: State, path: str) -> dict[str, Any]:
    """What IIS enforces at ``path`` (the merged view, a web.config included, IISCONFIG-3) and what
    applicationHost.config has written there; ``web_config`` (only when one sets the value) names the shallowest
    path whose web.config makes IIS enforce something applicationHost.config alone would not (as the module does)."""
    entry: dict[str, Any] = {"effective": effective_flags(state, path), "explicit": explicit_flags(state, path)}
    segments = path.split("/")
    for depth in range(1, len(segments) + 1):
        link = "/".join(segments[:depth])
        override = _web_config_flags(state, link)
        if override is not None and override[1] != effective_flags(state, link):
            entry["web_config"] = link
            break
    override = _web_config_flags(state, path)
    if override is not None:
        entry["effective"] = override[1]
    return entry


def gather(state: State, sites: Iterable[str], access_paths: Iterable[str]) -> dict[str, Any]:
    """``snapshot.iis`` for the requested sites and location paths.

    A site that does not exist is absent from ``sites``. Sites are keyed by the name as requested,
    their locations by the path as written in applicationHost.config, ``access_paths`` entries by the
    path as requested (also for a path whose site does not exist: ``GetSection`` answers for any
    location path, with what it inherits). A path applicationHost.config cannot hold fails the gather.
    """
    sites, access_paths = list(sites), list(access_paths)
    for path in access_paths:
        try:
            location_segments(path)
        except OpError as err:
            raise OpError(f"scope.access_paths: {err}") from None
    result: dict[str, Any] = {"available": iis_installed(state), "sites": {}, "access": {}, "all_bindings": []}
    if not result["available"]:
        return result
    # Every https binding of every site: who else uses an HTTP.sys record (ENGINE.md, issue 10 item 10).
    result["all_bindings"] = [
        {"site": name, "binding_information": b["binding_information"], "ssl_flags": b["ssl_flags"]}
        for name, site in iis_of(state)["sites"].items()
        for b in _https(site)
    ]
    seen: set[str] = set()

    def put_access(path: str) -> None:
        if path.casefold() not in seen:
            seen.add(path.casefold())
            result["access"][path] = _access_entry(state, path)

    for requested in sites:
        found = find_site(state, requested)
        if found is None or requested.casefold() in {name.casefold() for name in result["sites"]}:
            continue
        name, site = found
        result["sites"][requested] = {
            "id": site["id"],
            "bindings": [iisbinding.view_binding(state, b) for b in _https(site)],
        }
        put_access(requested)
        prefix = name.casefold() + "/"
        for path, location in locations(state).items():
            if path.casefold().startswith(prefix) and location.get("sslFlags") is not None:
                put_access(path)
    for path in access_paths:
        put_access(path)
    return result
